using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Integration;

/// <summary>
/// A real Debian root file system from `debootstrap --variant=minbase` (needs the Debian
/// mirror: category Network; built once per machine and cached), built into a SIF by the
/// hpcrun binary and run as the unprivileged test user.
/// </summary>
[Trait("Category", "Network")]
public sealed class DebianImageTests : IDisposable
{
    private readonly SharedDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_debootstrap_tree_becomes_a_sif_that_runs_unprivileged_without_setuid_bits()
    {
        string sif = dir.File("debian.sif");
        var build = TestEnvironment.Run(Hpcrun.Binary, ["build", sif, TestImages.DebianMinbaseTree]);
        Assert.True(build.ExitCode == 0, build.ToString());

        var run = Hpcrun.Run(sif, "/bin/sh", "-c",
            "cat /etc/debian_version; stat -c %a /usr/bin/passwd; find / -xdev -perm /6000 -type f | wc -l");
        Assert.True(run.ExitCode == 0, run.ToString());
        string[] lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("12.", lines[0]);
        Assert.Equal("755", lines[1]); // setuid root on the host tree, plain in the image
        Assert.Equal("0", lines[2]);
        Assert.Contains("Architecture: amd64", Hpcrun.Run("inspect", sif).Stdout);
    }
}
