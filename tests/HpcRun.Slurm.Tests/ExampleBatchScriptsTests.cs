using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>The batch scripts in examples/slurm run end to end under sbatch, as the unprivileged test user.</summary>
[Collection("cluster")]
public class ExampleBatchScriptsTests
{
    private static (CommandResult Run, string Output) Sbatch(string script)
    {
        string dir = Path.Combine(LocalCluster.JobsDir, $"{script}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        string path = Path.Combine(TestEnvironment.RepoRoot, "examples", "slurm", script);
        // The test user may not read the checkout (it can live under /root): submit a copy.
        string copy = Path.Combine(dir, script);
        File.Copy(path, copy);
        File.SetUnixFileMode(copy, (UnixFileMode)0b111_101_101);
        CommandResult run = TestEnvironment.Run("setpriv",
            ["--reuid", TestEnvironment.User, "--regid", TestEnvironment.User, "--init-groups", "--",
            "env", $"SLURM_CONF={LocalCluster.Config}", $"PATH={Path.GetDirectoryName(Hpcrun.Binary)}:/usr/bin:/bin",
            $"HOME={Hpcrun.UserHome}",
            "sbatch", "--wait", "--parsable", $"--export=ALL,IMAGE={LocalCluster.Image}", copy], cwd: dir);
        string output = Directory.GetFiles(dir, "*.out").Select(File.ReadAllText).SingleOrDefault() ?? "";
        return (run, output);
    }

    [Fact]
    public void Hello_runs_each_task_in_the_image()
    {
        var (run, output) = Sbatch("hello.sbatch");
        Assert.True(run.ExitCode == 0, $"{run}\n{output}");
        Assert.Matches(@"task 0 of 2 on node\d, as user 1500", output);
        Assert.Matches(@"task 1 of 2 on node\d, as user 1500", output);
        Assert.EndsWith("all steps done\n", output);
    }

    [Fact]
    public void Steps_pass_files_through_the_working_directory()
    {
        var (run, output) = Sbatch("steps.sbatch");
        Assert.True(run.ExitCode == 0, $"{run}\n{output}");
        Assert.Equal("sum: 21\n", output);
    }
}
