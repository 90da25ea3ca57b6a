using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>What --help says of defaults and of doctor: the site's keys behind --mpi, --mpi-compat, --gpu and --rdma,
/// the cap on --writable-tmpfs, doctor's statuses and its trial launch of IMAGE.</summary>
public sealed class HelpDefaultsTests
{
    [Theory]
    [InlineData("--mpi <mpi>", "default: HPCRUN_MPI, else hpcrun.conf's mpi, else container")]
    [InlineData("--mpi-compat <mpi-compat>", "default: HPCRUN_MPI_COMPAT, else hpcrun.conf's mpi-compat, else major")]
    [InlineData("--gpu <gpu>", "default: HPCRUN_GPU, else hpcrun.conf's gpu, else auto")]
    [InlineData("--rdma <rdma>", "default: HPCRUN_RDMA, else hpcrun.conf's rdma, else auto")]
    [InlineData("--writable-tmpfs", "at most 64 MiB (the site's sessiondir-max-size in hpcrun.conf sets another cap)")]
    public void Exec_help_gives_each_default_with_the_site_key(string option, string words)
    {
        var help = Hpcrun.Run("exec", "--help");

        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains(words, Assert.Single(help.Stdout.Split('\n'), l => l.TrimStart().StartsWith(option + " ")));
    }

    [Fact]
    public void Doctor_help_says_its_statuses_and_its_trial_launch()
    {
        var help = Hpcrun.Run("doctor", "--help");

        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("Exits 0 when no check FAILs (a WARN is what a launch does without), else 75, or a launch's " +
            "own status where the image check FAILs with one (82: a SIF for another CPU)", help.Stdout);
        Assert.Contains("a SquashFS or SIF by a trial launch of /bin/sh -c true in it", help.Stdout);
    }
}
