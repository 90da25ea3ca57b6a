using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>What --help says of defaults and of doctor: the site's keys behind --mpi, --mpi-compat, --gpu and --rdma,
/// the cap on --writable-tmpfs, doctor's statuses and its trial launch of IMAGE; what each launch verb takes after
/// the image (run's and test's words are their scripts' arguments, which the help called a command).</summary>
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

    [Theory]
    [InlineData("run", "<args>", "Arguments for the image's default command (its runscript, or entrypoint + cmd)")]
    [InlineData("test", "<args>", "Arguments for the image's test script (%test)")]
    [InlineData("exec", "<command>", "Command and arguments to run inside")]
    public void Each_launch_verbs_help_says_what_follows_the_image(string verb, string name, string words)
    {
        var help = Hpcrun.Run(verb, "--help");
        var top = Hpcrun.Run("--help");

        Assert.True(help.ExitCode == 0 && top.ExitCode == 0, help.ToString() + top);
        Assert.Contains(words, Assert.Single(help.Stdout.Split('\n'), l => l.TrimStart().StartsWith(name + " ")));
        Assert.Single(top.Stdout.Split('\n'), l => l.TrimStart().StartsWith($"{verb} <image> {name} "));
    }
}
