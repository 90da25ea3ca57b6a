using System.CommandLine;
using System.Text.Json;
using HpcRun.CommandLine;
using HpcRun.Slurm;
using Serilog;

namespace HpcRun.Tools.Verbs.Slurm;

/// <summary>`hpcrun submit|status|cancel|jobs`: batch jobs through slurmrestd.</summary>
internal static class SlurmVerbs
{
    public static Command[] All => [new SlurmSubmitVerb().Command, Status(), Cancel(), Jobs()];

    private static Command Status()
    {
        var job = JobArgument();
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command(ToolVerbs.Status.Name, ToolVerbs.Status.Description) { job, json };
        var connection = new SlurmConnectionOptions(command);
        command.SetAction(result =>
        {
            long id = JobCancel.Id(result.GetValue(job)!); // refused before anything is read or sent
            return Run(connection, result, async (slurm, _) =>
            {
                JobInfo info = await slurm.GetJobAsync(id);
                Console.Write(result.GetValue(json)
                    ? JsonSerializer.Serialize(info, JobInfoJson.Default.JobInfo) + "\n" : JobText.Describe(info));
                return 0;
            });
        });
        return command;
    }

    private static Command Cancel()
    {
        var job = JobArgument();
        var command = new Command(ToolVerbs.Cancel.Name, ToolVerbs.Cancel.Description) { job };
        var connection = new SlurmConnectionOptions(command);
        command.SetAction(result =>
        {
            long id = JobCancel.Id(result.GetValue(job)!);
            return Run(connection, result, async (slurm, settings) =>
            {
                await JobCancel.CancelAsync(slurm, id, settings.User);
                return 0;
            });
        });
        return command;
    }

    private static Command Jobs()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Every user's jobs, not only yours" };
        var command = new Command(ToolVerbs.Jobs.Name, ToolVerbs.Jobs.Description) { all };
        var connection = new SlurmConnectionOptions(command);
        command.SetAction(result => Run(connection, result, async (slurm, settings) =>
        {
            IReadOnlyList<JobInfo> jobs = await slurm.GetJobsAsync();
            Console.Write(JobText.Table(result.GetValue(all) ? jobs : [.. jobs.Where(j => j.User == settings.User)]));
            return 0;
        }));
        return command;
    }

    // Text, not a number: JobCancel.Id says what a job id is (-5, 0 and 5_1 are none).
    private static Argument<string> JobArgument() => new("job") { Description = "Job id" };

    /// <summary>Connects, runs <paramref name="body"/>, and turns slurmrestd faults
    /// into one line and an exit status.</summary>
    public static int Run(SlurmConnectionOptions connection, ParseResult result,
        Func<ISlurmApi, SlurmSettings, Task<int>> body)
    {
        SlurmSettings? settings = null;
        try
        {
            settings = connection.Settings(result);
            SlurmSettings known = settings;
            ISlurmApi slurm = SlurmClient.ConnectAsync(known, message => Log.Debug("{Request}", known.Redact(message)))
                .GetAwaiter().GetResult();
            return body(slurm, known).GetAwaiter().GetResult();
        }
        catch (SlurmApiException e)
        {
            Log.Debug("{Line:l}", Trace(e, settings));
            // Not redacted here: what the server said is, where it went into the line (SlurmClient); hpcrun's own
            // words around it are left whole whatever the token is ("submitted", "job 5").
            throw new HpcRunException(ExitFor(e.Fault), e.Message);
        }
        catch (Exception e) when (e is not HpcRunException)
        {
            // Not a fault hpcrun knows: one line, as the launch verbs give, and never the token (an
            // exception's text may quote a request).
            Log.Debug("internal error: {Detail}", settings?.Redact(e.ToString()) ?? e.ToString());
            throw new HpcRunException(ExitCode.Internal, "internal error talking to slurmrestd (--debug tells more)");
        }
    }

    /// <summary>--debug's line for <paramref name="e"/>: what was tried (reading the settings, or talking to the
    /// server they name) and why it failed: the status, the user's line, and what the connection or the parser said
    /// below it, where something did (its token redacted). Words, never the fault's or an exception's .NET name.
    /// </summary>
    private static string Trace(SlurmApiException e, SlurmSettings? settings)
    {
        string tried = settings is null ? "reading the slurmrestd settings (options, environment, settings file)"
            : $"talking to slurmrestd at {settings.Url} as {settings.User}";
        var causes = new List<string>();
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
            if (inner.Message.Length > 0 && !causes.Any(c => c.Contains(inner.Message))) causes.Add(inner.Message);
        string below = causes.Count == 0 ? "" : "; underneath: " + string.Join(": ", causes);
        return $"{tried} failed (status {(int)ExitFor(e.Fault)}): {e.Message}{settings?.Redact(below) ?? below}";
    }

    private static ExitCode ExitFor(SlurmFault fault) => fault switch
    {
        SlurmFault.NotConfigured => ExitCode.SlurmNotConfigured,
        SlurmFault.Unreachable => ExitCode.SlurmUnreachable,
        SlurmFault.Unauthorized => ExitCode.SlurmUnauthorized,
        SlurmFault.TokenRejected => ExitCode.SlurmTokenRejected,
        SlurmFault.SlurmError => ExitCode.SlurmRefused,
        SlurmFault.UnknownJob => ExitCode.SlurmUnknownJob,
        SlurmFault.Timeout => ExitCode.SlurmTimeout,
        _ => ExitCode.SlurmBadResponse,
    };
}
