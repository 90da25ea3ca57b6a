using System.CommandLine;
using HpcRun.CommandLine;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using HpcRun.Slurm;
using HpcRun.Tools.Verbs.Image;
using Serilog;

namespace HpcRun.Tools.Verbs.Slurm;

/// <summary>
/// `hpcrun submit [-N] [-n] [-t] [-p] [-J] [--chdir] [-o] [--wait] [LAUNCH OPTIONS] [--] IMAGE [--] [CMD...]`: a
/// batch job whose step is `srun hpcrun [LAUNCH OPTIONS] IMAGE CMD`. The launch options are hpcrun run's own, and
/// the command line is read as the launcher reads its own (<see cref="ImageCommandLine"/>): what follows IMAGE is
/// CMD's, untouched, so that the job runs what `hpcrun [LAUNCH OPTIONS] IMAGE CMD` typed here would.
/// </summary>
internal sealed class SlurmSubmitVerb
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly Option<int?> nodes = new("--nodes", "-N") { Description = "Number of nodes" };
    private readonly Option<int?> tasks = new("--ntasks", "-n")
    { Description = "Number of tasks (srun starts one container per task)" };
    private readonly Option<string?> time = new("--time", "-t")
    { Description = "Time limit: M, H:M:S, D-H:M... as sbatch" };
    private readonly Option<string?> partition = new("--partition", "-p")
    { Description = "Partition (default: the cluster's default)" };
    private readonly Option<string?> name = new("--job-name", "-J")
    { Description = "Job name (default: the command's name)" };
    private readonly Option<string?> chdir = new("--chdir", "-D")
    {
        Description = "Working directory of the job (default: the current one); "
            + "relative paths in launch options are read from there",
    };
    private readonly Option<string?> output = new("--output", "-o")
    { Description = "Output file, %j is the job id (default slurm-%j.out in the working directory)" };
    private readonly Option<bool> wait = new("--wait", "-W")
    { Description = "Wait for the job to end; exit with its exit status" };
    private readonly Argument<string> image = new("image")
    { Description = "Image file, as for hpcrun run (must be readable on the nodes)" };
    private readonly Argument<string[]> command = new("command")
    {
        Description = "Command and arguments (none: the image's default command, as hpcrun IMAGE runs it)",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly LaunchOptions launch = new();

    public Command Command { get; }

    /// <summary>The hpcrun beside this binary: the launcher the batch script calls.</summary>
    private static string Launcher => Path.Combine(AppContext.BaseDirectory, "hpcrun");

    public SlurmSubmitVerb()
    {
        Command = new ImageVerb(ToolVerbs.Submit.Name, ToolVerbs.Submit.Description)
        { nodes, tasks, time, partition, name, chdir, output, wait };
        Command.With("submit [SLURM OPTIONS] [LAUNCH OPTIONS] IMAGE [CMD [ARG...]]    (options after IMAGE are CMD's)",
            "hpcrun submit -N 2 -n 8 -t 1:00:00 mycode.sif -- ./solver input.dat",
            "hpcrun submit --wait -B /scratch --mpi host mycode.sif -- ./solver -v   # -v goes to ./solver");
        launch.AddTo(Command);
        Command.Arguments.Add(image);
        Command.Arguments.Add(command);
        var connection = new SlurmConnectionOptions(Command);
        Command.SetAction(result =>
        {
            connection.Check(result);
            JobSubmission job = Job(result, Launcher); // bad values fail here, before any request
            return SlurmVerbs.Run(connection, result, (slurm, settings) => SubmitAsync(slurm, settings, job,
                result.GetValue(wait)));
        });
    }

    /// <summary>Submits <paramref name="job"/>, prints its id and, with --wait, follows it to its end. SIGINT,
    /// SIGTERM and SIGHUP stop hpcrun, not the job: the line says so, naming the job and how to follow it (as a wait
    /// that gives up does), and hpcrun then ends by that signal (128+N).</summary>
    private static async Task<int> SubmitAsync(ISlurmApi slurm, SlurmSettings settings, JobSubmission job,
        bool waiting)
    {
        // Not .NET's default, which ends hpcrun at once without a word: the job lives on.
        using var signals = new BuildSignals();
        string Interrupted() => $"interrupted by {SignalNames.Name(signals.Signal)}";
        long id;
        string? warning;
        try { (id, warning) = await slurm.SubmitAsync(job, signals.Token); }
        catch (OperationCanceledException) when (signals.Signal != 0)
        {
            // The request may have reached slurmrestd already: whether a job was queued only Slurm can say.
            Log.Error("{Text}", $"{Interrupted()} while submitting the job: Slurm may have queued it all the same; " +
                "`hpcrun jobs` lists yours");
            return SignalDeath.Record(signals.Signal);
        }
        Console.WriteLine(id);
        // As sbatch: the job is queued, and what Slurm said of it is said too.
        if (warning is not null) Log.Warning("{Text}", $"Slurm queued job {id} but said: {warning}");
        if (!waiting) return 0;
        try { return await WaitAsync(slurm, id, signals.Token); }
        catch (OperationCanceledException) when (signals.Signal != 0)
        {
            Log.Error("{Text}", JobFollowing.StoppedWaiting(id, Interrupted()));
            return SignalDeath.Record(signals.Signal); // hpcrun ends by it (Program.cs)
        }
        catch (SlurmApiException e)
        {
            // The job exists whatever happened to the wait: the line names it and how to follow it.
            throw new SlurmApiException(e.Fault, JobFollowing.StoppedWaiting(id, e.Message), e);
        }
        catch (Exception e) when (e is not HpcRunException)
        {
            Log.Debug("internal error: {Detail}", settings.Redact(e.ToString()));
            throw new HpcRunException(ExitCode.Internal, JobFollowing.StoppedWaiting(id,
                "internal error talking to slurmrestd (--debug tells more)"));
        }
    }

    /// <summary>
    /// The job for a parsed command line, its script `srun HPCRUN [LAUNCH OPTIONS] IMAGE CMD`. What hpcrun
    /// run would refuse is refused now, not when the job starts, with run's own status: bad values (a bad
    /// --mpi, a relative --pwd...: 64) first, then the files and settings as the job will see them
    /// (<see cref="SubmitChecks"/>: 65/66/83 image, 67 bind source, 73 env file, 127 an empty command).
    /// </summary>
    /// <exception cref="HpcRunException">The first fault found; nothing has been sent.</exception>
    public JobSubmission Job(ParseResult result, string hpcrun)
    {
        string given = result.GetValue(image)!;
        // Refused as the node's hpcrun refuses it (64, 83), before the path is made absolute (a docker-archive: or
        // docker-daemon: word is no relative path).
        UnsupportedVerbs.CheckReference(given);
        LocalTransports.Existing(given);
        LocalTransports.Check(given, Path.Exists);
        // A docker:// reference goes to the job as it is: the node's hpcrun pulls it (once per node) or runs its cache.
        string imagePath = ImageReference.IsReference(given) ? given : Path.GetFullPath(given);
        string[] cmd = result.GetResult(command) is null ? [] : result.GetValue(command) ?? [];
        LaunchRequest request = launch.ToRequest(result, imagePath, cmd);
        foreach ((string flag, int? count) in new[] { ("--nodes", result.GetValue(nodes)),
                     ("--ntasks", result.GetValue(tasks)) })
            if (count is { } n) AmountOptions.Count(flag, n);
        int? timeLimit = result.GetValue(time) is { } t ? AmountOptions.Minutes("--time", t, TimeLimit(t)) : null;
        string workDir = Path.GetFullPath(result.GetValue(chdir) ?? Environment.CurrentDirectory);
        Dictionary<string, string> environment = JobEnvironment();
        // Said now as well as in the job's output, which the user reads only once it ran.
        foreach (string warning in SubmitChecks.Check(request, workDir, environment)) Log.Warning("{Text}", warning);
        return new JobSubmission
        {
            Script = BatchScript.Build([hpcrun, .. launch.Arguments(result), imagePath, .. Separated(cmd)]),
            WorkingDirectory = workDir,
            Environment = environment,
            Name = result.GetValue(name) ?? Path.GetFileName(cmd.Length > 0 ? cmd[0] : imagePath),
            Nodes = result.GetValue(nodes),
            Tasks = result.GetValue(tasks),
            TimeLimitMinutes = timeLimit,
            Partition = result.GetValue(partition),
            StandardOutput = Path.Combine(workDir, result.GetValue(output) ?? "slurm-%j.out"),
        };
    }

    /// <summary>The command as the job's hpcrun line gives it: the launcher drops a "--" right after the image, so
    /// a command that is "--" itself gets one more before it.</summary>
    private static IEnumerable<string> Separated(string[] cmd) => cmd is ["--", ..] ? ["--", .. cmd] : cmd;

    /// <summary>Follows the job to its end (a live line on a terminal, a line per change
    /// otherwise) and returns its exit status. A poll that stalls is repeated (<see cref="JobFollowing"/>), with a
    /// warning each time.</summary>
    private static async Task<int> WaitAsync(ISlurmApi slurm, long id, CancellationToken cancel)
    {
        bool live = !Console.IsErrorRedirected;
        string last = "";
        var polls = JobFollowing.Polls((why, delay) =>
        {
            if (live && last.Length > 0) Console.Error.WriteLine(); // below the live line, which goes on after it
            // why: a timeout's or a lost connection's line, in hpcrun's words only
            Log.Warning("{Text}", $"no news of job {id}: {why}; asking again in {delay.TotalSeconds:0} s");
            last = "";
        });
        try
        {
            while (true)
            {
                JobInfo job = await polls.ExecuteAsync(async token => await slurm.GetJobAsync(id, token), cancel);
                string line = JobText.Summary(job);
                if (line != last) Console.Error.Write(live ? $"\r\x1b[K{line}" : $"{line}\n");
                last = line;
                if (job.IsFinished)
                {
                    if (live) Console.Error.WriteLine();
                    Console.Error.WriteLine($"output: {job.StandardOutput}");
                    return job.ExitStatus is int exit and not 0 ? exit : job.State == "COMPLETED" ? 0 : 1;
                }
                await Task.Delay(PollInterval, cancel);
            }
        }
        catch (Exception) when (live && last.Length > 0)
        {
            Console.Error.WriteLine(); // the line of the fault or the interrupt goes below the live line, not onto it
            throw;
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
