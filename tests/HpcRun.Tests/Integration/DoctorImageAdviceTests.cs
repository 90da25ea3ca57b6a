using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>doctor's image check fails with the launch's words and the fix that is about what is wrong: a path for
/// nothing there or no image file (a FIFO), permissions for an image the user may not read or reach; rebuilding or
/// downloading again only for an image whose bytes are wrong.</summary>
public sealed class DoctorImageAdviceTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("doctor-image-").FullName;

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    public static TheoryData<string, string> Images() => new()
    {
        { "unreadable", "image not readable: {image}: permission denied (fix: ask its owner to let you read it " +
            "(chmod a+r {image}), or use a copy you can read)" },
        { "yours, unreadable", "image not readable: {image}: permission denied (fix: chmod u+r {image})" },
        { "directory not entered", "image not readable: {image}: permission denied (fix: ask its owner to let you " +
            "read it (chmod a+rx {image}), or use a copy you can read)" },
        { "behind a closed directory", "image not readable: {image}: the directory {dir}/closed on its path cannot " +
            "be entered (fix: ask its owner to let you search it (chmod a+x {dir}/closed), or use a copy where you " +
            "can read it)" },
        { "missing", "{image} not found (fix: give the path of a SquashFS or SIF file, or a directory)" },
        { "fifo", "{image}: not an image: neither a directory nor a SquashFS or SIF file (fix: give the path of a " +
            "SquashFS or SIF file, or a directory)" },
        { "text", "{image}: not an image: neither a directory nor a SquashFS or SIF file (fix: give the path of a " +
            "SquashFS or SIF file, or a directory)" },
        { "cut short", "{image}: truncated SquashFS image: needs {size} bytes, has 8192 (fix: rebuild or re-download " +
            "the image)" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void An_image_that_cannot_be_checked_gets_the_fix_for_what_is_wrong(string kind, string expected)
    {
        TestEnvironment.RunChecked("chmod", "0755", dir);
        string image = Make(kind);

        var doctor = Hpcrun.Run("doctor", image);

        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.Equal("FAIL  image: " + expected.Replace("{image}", image).Replace("{dir}", dir)
                .Replace("{size}", $"{BitConverter.ToInt64(File.ReadAllBytes(TestImages.BusyboxSquashFs), 40)}"),
            Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" image: ")));
    }

    /// <summary>A data block damaged past the tables shows only when doctor's trial launch reads it: the fix is
    /// another copy of the image (it was an image for this CPU, whatever the launch had said).</summary>
    [Fact]
    public void A_damaged_image_is_to_be_made_again()
    {
        string image = TestImages.DamagedBlockSquashFs;

        var doctor = Hpcrun.Run("doctor", image);

        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        string line = Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" image: "));
        Assert.StartsWith("FAIL  image: SquashFS image does not run here: exit ", line);
        Assert.Contains($"hpcrun: {image}: a block of the image does not decompress: the image is damaged", line);
        Assert.EndsWith(" (fix: rebuild or re-download the image)", line);
    }

    /// <summary>An image whose shell is a program for another CPU (an aarch64 ELF header) is one to replace with an
    /// image for this host's.</summary>
    [Fact]
    public void An_image_whose_shell_is_for_another_cpu_is_to_be_replaced()
    {
        string tree = Path.Combine(dir, "tree"), image = Path.Combine(dir, "arm.sqfs");
        Directory.CreateDirectory(Path.Combine(tree, "bin"));
        byte[] elf = new byte[64]; // ELF64, little-endian, e_machine (offset 18) aarch64 (183)
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2; elf[5] = 1; elf[6] = 1; elf[16] = 2; elf[18] = 183;
        File.WriteAllBytes(Path.Combine(tree, "bin", "sh"), elf);
        File.SetUnixFileMode(Path.Combine(tree, "bin", "sh"), (UnixFileMode)0b111_101_101);
        TestImages.MakeSquashFs(tree, image);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);

        var doctor = Hpcrun.Run("doctor", image);

        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.Equal("FAIL  image: SquashFS image does not run here: exit 126: hpcrun: /bin/sh: cannot execute " +
            "binary file: Exec format error (built for another machine?) (fix: use an image built for x86_64)",
            Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" image: ")));
    }

    /// <summary>A distroless image (one static program, no shell) starts: doctor's trial launch finds no /bin/sh to
    /// run, which is no failure of the image; a SIF's header still tells its architecture, a SquashFS's nothing does.
    /// </summary>
    [Theory]
    [InlineData("sif", "OK    image: SIF image for amd64 starts here (it has no /bin/sh to run)")]
    [InlineData("sqfs", "WARN  image: SquashFS image starts here, but it has no /bin/sh to run: cannot tell its " +
        "architecture (fix: run one of its programs: hpcrun exec {image} PROGRAM)")]
    public void An_image_without_a_shell_is_not_failed(string kind, string expected)
    {
        string tree = Path.Combine(dir, "tree"), image = Path.Combine(dir, $"distroless.{kind}");
        Directory.CreateDirectory(Path.Combine(tree, "app"));
        File.Copy(TestImages.SignalCounter, Path.Combine(tree, "app", "counter"));
        if (kind == "sif") TestEnvironment.RunChecked(Hpcrun.Binary, "-q", "build", image, tree);
        else TestImages.MakeSquashFs(tree, image);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);

        var doctor = Hpcrun.Run("doctor", image);

        Assert.Equal(expected.Replace("{image}", image),
            Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" image: ")));
        Assert.DoesNotContain(doctor.Stdout.Split('\n'), l => l.StartsWith("FAIL"));
    }

    /// <summary>An image whose own files are in the way of a mount every launch makes (its /etc a symlink that leads
    /// out of it, its /etc/passwd a directory): the trial launch stops at them (76) while every check above is fine,
    /// so the fix is the image's, not "see the checks above".</summary>
    [Theory]
    [InlineData("etc leads out", "cannot mount on /etc/hosts: ")]
    [InlineData("passwd a directory", "cannot mount a file on /etc/passwd: it is a directory in the container")]
    public void An_image_whose_files_are_in_the_way_of_a_mount_is_to_be_rebuilt(string kind, string line)
    {
        string tree = Path.Combine(dir, "tree"), image = Path.Combine(dir, "in-the-way.sqfs");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        if (kind == "etc leads out") // into /dev, the host's in the container
        {
            Directory.Delete(Path.Combine(tree, "etc"), recursive: true);
            File.CreateSymbolicLink(Path.Combine(tree, "etc"), "dev");
        }
        else Directory.CreateDirectory(Path.Combine(tree, "etc", "passwd"));
        TestImages.MakeSquashFs(tree, image);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);

        var doctor = Hpcrun.Run("doctor", image);

        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.DoesNotContain(doctor.Stdout.Split('\n'), l => l.StartsWith("FAIL") && !l.Contains(" image: "));
        string check = Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" image: "));
        Assert.StartsWith($"FAIL  image: SquashFS image does not run here: exit 76: hpcrun: {line}", check);
        Assert.EndsWith(" (fix: the image's own files are in the way of the mount in the line (a symlink that leads " +
            "elsewhere, a directory where a file is mounted, or the reverse): rebuild the image with a plain " +
            "directory or file there, as the mount needs)", check);
    }

    /// <summary>An image of <paramref name="kind"/> in the test's directory, root's unless said.</summary>
    private string Make(string kind)
    {
        string image = Path.Combine(dir, "image.sqfs");
        switch (kind)
        {
            case "unreadable" or "yours, unreadable":
                File.Copy(TestImages.BusyboxSquashFs, image);
                if (kind.StartsWith("yours")) TestEnvironment.RunChecked("chown", TestEnvironment.User, image);
                TestEnvironment.RunChecked("chmod", "0000", image);
                return image;
            case "directory not entered":
                string tree = Path.Combine(dir, "tree");
                TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
                TestEnvironment.RunChecked("chmod", "0700", tree);
                return tree;
            case "behind a closed directory":
                string closed = Path.Combine(dir, "closed");
                Directory.CreateDirectory(closed);
                File.Copy(TestImages.BusyboxSquashFs, Path.Combine(closed, "image.sqfs"));
                TestEnvironment.RunChecked("chmod", "0700", closed);
                return Path.Combine(closed, "image.sqfs");
            case "fifo":
                TestEnvironment.RunChecked("mkfifo", "-m", "0666", image);
                return image;
            case "text":
                File.WriteAllText(image, "not an image\n");
                break;
            case "cut short":
                File.WriteAllBytes(image, File.ReadAllBytes(TestImages.BusyboxSquashFs)[..8192]); // cut short
                break;
        }
        if (File.Exists(image)) TestEnvironment.RunChecked("chmod", "0644", image);
        return image;
    }
}
