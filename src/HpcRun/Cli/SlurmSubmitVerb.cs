using System.CommandLine;
using HpcRun.Slurm;

namespace HpcRun.Cli;

/// <summary>`hpcrun submit [-N] [-n] [-t] [-p] [-J] [--chdir] [-o] [--wait] IMAGE -- CMD...`: a batch job whose step is `srun hpcrun IMAGE CMD`.</summary>
internal static class SlurmSubmitVerb
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var nodes = new Option<int?>("--nodes", "-N") { Description = "Number of nodes" };
        var tasks = new Option<int?>("--ntasks", "-n") { Description = "Number of tasks (srun starts one container per task)" };
        var time = new Option<string?>("--time", "-t") { Description = "Time limit: M, H:M:S, D-H:M... as sbatch" };
        var partition = new Option<string?>("--partition", "-p") { Description = "Partition (default: the cluster's default)" };
        var name = new Option<string?>("--job-name", "-J") { Description = "Job name (default: the command's name)" };
        var chdir = new Option<string?>("--chdir", "-D") { Description = "Working directory of the job (default: the current one)" };
        var output = new Option<string?>("--output", "-o") { Description = "Output file, %j is the job id (default slurm-%j.out in the working directory)" };
        var wait = new Option<bool>("--wait", "-W") { Description = "Wait for the job to end; exit with its exit status" };
        var image = new Argument<string>("image") { Description = "Image file, as for hpcrun run (must be readable on the nodes)" };
        var command = new Argument<string[]>("command") { Description = "Command and arguments, after --", Arity = ArgumentArity.OneOrMore };
        var verb = new Command("submit", "Submit a batch job that runs CMD inside IMAGE on every task (srun hpcrun IMAGE CMD)")
        { nodes, tasks, time, partition, name, chdir, output, wait, image, command };
        var connection = new SlurmConnectionOptions(verb);
        verb.SetAction(result => SlurmVerbs.Run(connection, result, async (slurm, _) =>
        {
            string[] cmd = result.GetValue(command)!;
            string workDir = Path.GetFullPath(result.GetValue(chdir) ?? Environment.CurrentDirectory);
            string script = BatchScript.Build(Environment.ProcessPath ?? "hpcrun", Path.GetFullPath(result.GetValue(image)!), cmd);
            var job = new JobSubmission
            {
                Script = script,
                WorkingDirectory = workDir,
                Environment = JobEnvironment(),
                Name = result.GetValue(name) ?? Path.GetFileName(cmd[0]),
                Nodes = result.GetValue(nodes),
                Tasks = result.GetValue(tasks),
                TimeLimitMinutes = result.GetValue(time) is { } t ? TimeLimit(t) : null,
                Partition = result.GetValue(partition),
                StandardOutput = Path.Combine(workDir, result.GetValue(output) ?? "slurm-%j.out"),
            };
            long id = await slurm.SubmitAsync(job);
            Console.WriteLine(id);
            return result.GetValue(wait) ? await WaitAsync(slurm, id) : 0;
        }));
        return verb;
    }

    /// <summary>Follows the job to its end (a live line on a terminal, a line per change otherwise) and returns its exit status.</summary>
    private static async Task<int> WaitAsync(ISlurmApi slurm, long id)
    {
        bool live = !Console.IsErrorRedirected;
        string last = "";
        while (true)
        {
            JobInfo job = await slurm.GetJobAsync(id);
            string line = JobText.Summary(job);
            if (line != last) Console.Error.Write(live ? $"\r\x1b[K{line}" : $"{line}\n");
            last = line;
            if (job.IsFinished)
            {
                if (live) Console.Error.WriteLine();
                Console.Error.WriteLine($"output: {job.StandardOutput}");
                return job.ExitStatus is int exit and not 0 ? exit : job.State == "COMPLETED" ? 0 : 1;
            }
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The job gets this environment, as with sbatch; never SLURM_JWT, which breaks srun.</summary>
    private static Dictionary<string, string> JobEnvironment()
    {
        Dictionary<string, string> environment = SlurmConnectionOptions.CurrentEnvironment();
        environment.Remove(SlurmSettingsLoader.TokenVariable);
        return environment;
    }

    private static int TimeLimit(string text)
    {
        try { return BatchScript.ParseTimeLimit(text); }
        catch (ArgumentException e) { throw new HpcRunException(ExitCode.Usage, e.Message); }
    }
}
