using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A value of an allowed --mksquashfs-args option that mksquashfs refuses (`-b 3`) is refused with 64 before
/// anything runs, in mksquashfs's words: every step of a recipe ran, then "mksquashfs failed (exit 1)", 71.</summary>
public sealed class MksquashfsTrialTests : IDisposable
{
    private readonly RecipeWorkspace work = new("mksquashfs-trial");

    public MksquashfsTrialTests()
    {
        work.Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo ran > /ran\n");
        work.Write("tmp/.keep", ""); // the trial's scratch directory goes here, and is removed
        work.Env["TMPDIR"] = Path.Combine(work.Dir, "tmp");
    }

    public void Dispose() => work.Dispose();

    [Theory]
    [InlineData("-b 3", "mksquashfs: -b block size not power of two or not between 4096 and 1Mbyte")]
    [InlineData("-processors 0", "mksquashfs: -processors should be 1 or larger")]
    [InlineData("-mem 1", "mksquashfs: -mem should be 16 Mbytes or larger")]
    [InlineData("-Xcompression-level 99", "mksquashfs: gzip: -Xcompression-level invalid, it should be 1 >= n <= 9")]
    [InlineData("-comp xz -Xbcj foo", "mksquashfs: xz: -Xbcj unrecognised filter")]
    public void A_value_mksquashfs_refuses_is_64_before_any_step(string args, string said)
    {
        foreach (string source in (string[])["Dockerfile", TestImages.BusyboxTree])
        {
            var build = work.Build("--mksquashfs-args", args, "out.sif", source);
            Assert.Equal((64, $"hpcrun: --mksquashfs-args \"{args}\": {said}\n"), (build.ExitCode, build.Stderr));
        }
        work.Env["HPCRUN_MKSQUASHFS_ARGS"] = args;
        var variable = work.Build("out.sif", "Dockerfile");
        Assert.Equal((64, $"hpcrun: HPCRUN_MKSQUASHFS_ARGS \"{args}\": {said}\n"),
            (variable.ExitCode, variable.Stderr));
        Assert.Equal([Path.Combine(work.Dir, "tmp", ".keep")], Directory.GetFileSystemEntries(work.Env["TMPDIR"]));
        work.AssertOnly();
    }

    [Fact]
    public void Values_mksquashfs_takes_build_the_image()
    {
        var build = work.Build("--mksquashfs-args", "-b 64K -processors 1 -comp xz -Xbcj x86", "out.sif",
            "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("ran\n", work.Exec("out.sif", "cat", "/ran").Stdout);
        Assert.Equal([Path.Combine(work.Dir, "tmp", ".keep")], Directory.GetFileSystemEntries(work.Env["TMPDIR"]));
    }
}
