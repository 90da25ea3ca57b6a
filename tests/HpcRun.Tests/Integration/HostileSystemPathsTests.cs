using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>
/// The paths hpcrun fills itself (its /etc/passwd and /etc/group, the host's /tmp, /dev, /etc/hosts and time zone)
/// are the image's only by name: a FIFO there does not stop the launch (open(2) of a FIFO waits for a writer that
/// never comes), and a symlink there is replaced, not followed into another mount (/etc/group -> /dev/null hid the
/// host's /dev/null behind the group file; /tmp -> /etc put the host's /tmp over the image's /etc).
/// </summary>
public sealed class HostileSystemPathsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hostile-paths-").FullName;

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    /// <summary>A busybox image changed by <paramref name="change"/> (run in its tree, as root).</summary>
    private string Image(string name, string change)
    {
        string tree = Path.Combine(dir, name), image = Path.Combine(dir, $"{name}.sqfs");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        TestEnvironment.RunChecked("sh", "-c", $"cd {tree} && {change}");
        TestImages.MakeSquashFs(tree, image);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
        return image;
    }

    [Theory]
    [InlineData("etc/passwd")]
    [InlineData("etc/group")]
    [InlineData(".hpcrun/config.json")]
    public void A_fifo_where_hpcrun_reads_the_image_is_no_file_there(string path)
    {
        string image = Image("fifo", $"mkdir -p {Path.GetDirectoryName(path)} && mkfifo {path}");

        // The old launcher waited forever (the test's runner gives up after 5 minutes).
        var result = Hpcrun.Run("exec", image, "sh", "-c", "id -un; id -gn");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{TestEnvironment.User}\n{TestEnvironment.User}\n", result.Stdout);
    }

    [Fact]
    public void Symlinks_at_system_paths_are_replaced_not_followed()
    {
        string marker = Path.Combine("/tmp", Path.GetFileName(dir) + "-marker");
        File.WriteAllText(marker, "");
        string image = Image("links", "mknod dev/null c 1 3 && mknod dev/zero c 1 5 && ln -s /dev/null etc/group && " +
            "ln -s /dev/zero etc/passwd && mkdir -p usr/share/zoneinfo/Etc && echo image-zone > " +
            "usr/share/zoneinfo/Etc/UTC && ln -s /usr/share/zoneinfo/Etc/UTC etc/localtime && rmdir tmp && " +
            "ln -s ../../etc tmp");
        try
        {
            var result = Hpcrun.Run("exec", image, "sh", "-c", "echo x > /dev/null && echo null-writable; " +
                "head -c 3 /dev/zero | od -An -tx1; id -un; id -gn; test -e /tmp/" + Path.GetFileName(marker) +
                " && echo host-tmp; cat /usr/share/zoneinfo/Etc/UTC");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(["null-writable", "00 00 00", TestEnvironment.User, TestEnvironment.User, "host-tmp",
                "image-zone"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
            var zone = Hpcrun.Run("exec", "-B", "/etc/localtime:/host-zone", image, "cmp", "/etc/localtime",
                "/host-zone");
            Assert.True(zone.ExitCode == 0, zone.ToString()); // the host's time zone, as Apptainer binds it
        }
        finally { File.Delete(marker); }
    }

    /// <summary>An image's /etc/passwd larger than hpcrun reads (16 MiB) ends at a whole entry: the cut one is
    /// dropped, not kept with half its fields.</summary>
    [Fact]
    public void A_huge_passwd_is_cut_at_an_entry()
    {
        string image = Image("huge", "awk 'BEGIN { for (i = 0; i < 300000; i++) printf \"user%d:x:%d:%d:User %d " +
            "with a long gecos field:/home/user%d:/bin/sh\\n\", i, 10000 + i, 10000 + i, i, i }' > etc/passwd");

        var result = Hpcrun.Run("exec", image, "sh", "-c", "grep -c ^user /etc/passwd; grep ^user /etc/passwd | " +
            "grep -vc ':/bin/sh$'; id -un");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(int.Parse(lines[0]) > 150_000, result.ToString()); // of 300,000 entries, 25 MB
        Assert.Equal(["0", TestEnvironment.User], lines[1..]);
    }
}
