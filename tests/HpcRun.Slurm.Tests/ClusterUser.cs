using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>hpcrun as the test user against the live cluster's slurmrestd, and the steps tests take with it.</summary>
public sealed class ClusterUser(LocalCluster cluster)
{
    public CommandResult Hpcrun(IEnumerable<string> args, params (string, string)[] env)
    {
        Dictionary<string, string> environment = cluster.UserEnvironment();
        foreach (var (k, v) in env) environment[k] = v;
        return TestSupport.Hpcrun.Run(args, environment, LocalCluster.JobsDir);
    }

    public CommandResult Hpcrun(params string[] args) => Hpcrun((IEnumerable<string>)args);

    public long Submit(params string[] args)
    {
        CommandResult submitted = Hpcrun(["submit", .. args]);
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        return long.Parse(submitted.Stdout.Trim());
    }

    /// <summary>Asks for the job until Slurm says it has reached <paramref name="state"/> (or any final
    /// state).</summary>
    public string StateOnceReached(long job, string state)
    {
        for (int i = 0; ; i++)
        {
            CommandResult status = Hpcrun("status", job.ToString(), "--json");
            Assert.True(status.ExitCode == 0, status.ToString());
            string now = System.Text.Json.JsonDocument.Parse(status.Stdout).RootElement.GetProperty("state")
                .GetString()!;
            if (now == state || SlurmValues.IsFinalState(now) || i == 600) return now;
            Thread.Sleep(200);
        }
    }
}
