using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>
/// Every path the user names means the host's file, whatever hpcrun mounts privately (its
/// staging tmpfs covers /tmp in its own namespace) and whatever the timing; and paths, argv and
/// the environment are bytes, passed through exactly even when they are not UTF-8.
/// </summary>
[Collection(ContainerCollection.Name)]
public class HostPathTests(ContainerFixture images)
{
    /// <summary>"café" in Latin-1: the é is the single byte 0xe9, which is not UTF-8.</summary>
    private const string Latin1 = "n=$(printf 'caf\\351')";
    private const string Latin1Hex = "63 61 66 e9";

    /// <summary>A scratch directory under the host's /tmp, readable by the test user, removed afterwards.</summary>
    private sealed class HostTmp : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("hpcrun-it-").FullName;

        public HostTmp() => File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_111);

        public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", Dir); // .NET cannot name what is not UTF-8
    }

    [Fact]
    public void AnImageUnderTmpRunsEveryTime()
    {
        using var tmp = new HostTmp();
        string image = Path.Combine(tmp.Dir, "img.sqfs");
        File.Copy(images.Image, image);
        File.SetUnixFileMode(image, (UnixFileMode)0b110_100_100);
        // The serving thread used to open the image by path while the main thread covered /tmp: 24 of 30 runs failed.
        var result = Hpcrun.Script("for i in $(seq 30); do \"$H\" \"$1\" true || exit; done; echo ok", ["bash", image]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok\n", result.Stdout);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void BindSourcesEnvFilesAndTheCurrentDirectoryUnderTmpAreTheHosts()
    {
        using var tmp = new HostTmp();
        string image = Path.Combine(tmp.Dir, "img.sqfs"), data = Path.Combine(tmp.Dir, "data");
        File.Copy(images.Image, image);
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "input"), "from the host\n");
        File.WriteAllText(Path.Combine(tmp.Dir, "env"), "FROM_FILE=yes\n");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", tmp.Dir);
        var result = Hpcrun.Run(["-B", $"{data}:/data", "--env-file", Path.Combine(tmp.Dir, "env"), image,
            "sh", "-c", "cat /data/input; echo $FROM_FILE; pwd; cat data/input; echo $HPCRUN_CONTAINER"], cwd: tmp.Dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["from the host", "yes", tmp.Dir, "from the host", image],
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void HostDirectoriesComeWithWhatIsMountedBelowThemAndReadOnlyBindsAreReadOnlyThroughout()
    {
        using var tmp = new HostTmp();
        string image = Path.Combine(tmp.Dir, "img.sqfs"), data = Path.Combine(tmp.Dir, "data"),
            below = Path.Combine(data, "below");
        File.Copy(images.Image, image);
        Directory.CreateDirectory(below);
        // A mount the launch inherits, as autofs homes or a site's scratch below /tmp are: the kernel locks it, and
        // binding its parent without it (a plain MS_BIND) failed every launch with EINVAL.
        TestEnvironment.RunChecked("mount", "-t", "tmpfs", "-o", "mode=0777", "tmpfs", below);
        try
        {
            File.WriteAllText(Path.Combine(below, "f"), "below\n");
            TestEnvironment.RunChecked("chmod", "-R", "a+rwX", tmp.Dir);
            var result = Hpcrun.Run(["-B", $"{data}:/data", "-B", $"{data}:/ro:ro", image, "sh", "-c",
                $"cat {below}/f /data/below/f /ro/below/f; echo w >/data/below/w && cat {below}/w; " +
                "touch /ro/below/x 2>/dev/null || echo read-only"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(["below", "below", "below", "w", "read-only"],
                result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(File.Exists(Path.Combine(below, "x")));
        }
        finally { TestEnvironment.RunChecked("umount", "-l", below); }
    }

    [Fact]
    public void ADirectoryImageWithAFileSystemMountedBelowItSaysWhyItCannotTakeTheOverlay()
    {
        using var tmp = new HostTmp();
        string tree = Path.Combine(tmp.Dir, "tree"), below = Path.Combine(tree, "mnt", "below");
        TestEnvironment.RunChecked("cp", "-a", images.Tree, tree);
        Directory.CreateDirectory(below);
        TestEnvironment.RunChecked("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", below);
        try
        {
            TestEnvironment.RunChecked("chmod", "-R", "a+rX", tmp.Dir);
            // The tree lacks mount points (/etc/hosts...), so the launch needs an overlay, which the kernel refuses
            // over inherited mounts in a user namespace: one line that says why, not "Invalid argument".
            foreach (string[] args in new[] { new[] { tree, "true" }, ["--writable-tmpfs", tree, "true"] })
            {
                var result = Hpcrun.Run(args);
                Assert.Equal(71, result.ExitCode);
                Assert.Equal($"hpcrun: {tree}: a directory image with a file system mounted below it ({below}) " +
                    "cannot take the overlay this launch needs (for --writable-tmpfs, --fakeroot or mount points the " +
                    "image lacks): unmount it, or run an image file made from the directory (hpcrun build)\n",
                    result.Stderr);
            }
            LeakCheck.AssertNothingLeft();
        }
        finally { TestEnvironment.RunChecked("umount", "-l", below); }
    }

    [Fact]
    public void TheContainerVariableIsTheImagesAbsolutePath()
    {
        string dir = Path.GetDirectoryName(images.Image)!, name = Path.GetFileName(images.Image);
        var result = Hpcrun.Run([name, "sh", "-c", "cd / && echo $HPCRUN_CONTAINER"], cwd: dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(images.Image + "\n", result.Stdout);
    }

    [Theory]
    [InlineData("argument", "\"$H\" \"$IMG\" printf %s \"$n\"")]
    [InlineData("environment value", "V=\"$n\" \"$H\" \"$IMG\" sh -c 'printf %s \"$V\"'")]
    [InlineData("--env value", "\"$H\" --env \"V=$n\" \"$IMG\" sh -c 'printf %s \"$V\"'")]
    [InlineData("--env-file value",
        "printf 'V=%s\\n' \"$n\" > \"$T/env\"; \"$H\" --env-file \"$T/env\" \"$IMG\" sh -c 'printf %s \"$V\"'")]
    [InlineData("--env-file name",
        "echo V=1 > \"$T/$n\"; \"$H\" --env-file \"$T/$n\" \"$IMG\" sh -c 'printf %s \"$V\"' >/dev/null && " +
        "printf %s \"$n\"")]
    [InlineData("current directory",
        "mkdir \"$T/$n\" && cd \"$T/$n\" && \"$H\" \"$IMG\" sh -c 'printf %s \"${PWD##*/}\"'")]
    [InlineData("bind source",
        "mkdir \"$T/$n\" && printf %s \"$n\" > \"$T/$n/f\" && \"$H\" -B \"$T/$n:/mnt/d\" \"$IMG\" cat /mnt/d/f")]
    [InlineData("bind destination",
        "mkdir \"$T/d\" && \"$H\" -B \"$T/d:/mnt/$n\" \"$IMG\" " +
        "sh -c 'for f in /mnt/*; do printf %s \"${f##*/}\"; done'")]
    [InlineData("--pwd",
        "mkdir \"$T/d\" && \"$H\" -B \"$T/d:/mnt/$n\" --pwd \"/mnt/$n\" \"$IMG\" sh -c 'printf %s \"${PWD##*/}\"'")]
    [InlineData("image path",
        "cp \"$IMG\" \"$T/$n\" && \"$H\" \"$T/$n\" sh -c 'printf %s \"${HPCRUN_CONTAINER##*/}\"'")]
    public void BytesThatAreNotUtf8PassThroughExactly(string what, string script)
    {
        using var tmp = new HostTmp();
        var result = Hpcrun.Script($"{Latin1}; IMG=\"$1\"; T=\"$2\"; ({script}) | od -An -tx1",
            ["bash", images.Image, tmp.Dir]);
        Assert.True(result.ExitCode == 0, $"{what}: {result}");
        Assert.Equal(Latin1Hex, result.Stdout.Trim());
    }
}
