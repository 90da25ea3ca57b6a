using System.CommandLine;
using HpcRun.Host;
using HpcRun.Native;

namespace HpcRun.Cli;

/// <summary>
/// The verbs that run no container (build, inspect and the slurmrestd ones) live in a second
/// binary, hpcrun-tools, beside hpcrun: the launcher then leaves out their libraries (Spectre,
/// SharpCompress, Refit, Polly), and a 13 MB binary's start-up becomes a 5 MB one's, on every
/// rank of every job. hpcrun lists them in its help and hands them over by exec.
/// </summary>
internal static class ToolVerbs
{
    public static readonly (string Name, string Description)
        Build = ("build", "Build a flattened, reproducible image from a directory, Docker or OCI archive"),
        Inspect = ("inspect", "Describe an image: format, architecture, partitions, config, labels, build record"),
        Submit = ("submit", "Submit a batch job that runs CMD inside IMAGE on every task (srun hpcrun IMAGE CMD)"),
        Status = ("status", "Show a batch job's state, exit status and output file"),
        Cancel = ("cancel", "Cancel a batch job (like scancel)"),
        Jobs = ("jobs", "List your batch jobs (a table, like squeue)");

    private static readonly (string Name, string Description)[] All = [Build, Inspect, Submit, Status, Cancel, Jobs];

    public const string Binary = "hpcrun-tools";

    /// <summary>The hpcrun beside this binary (in hpcrun-tools: the launcher a batch script must call).</summary>
    public static string Launcher => Path.Combine(AppContext.BaseDirectory, "hpcrun");

    /// <summary>Entries for hpcrun's help; running one is <see cref="HandOver"/>'s job.</summary>
    public static IEnumerable<Command> Listed => All.Select(verb => new Command(verb.Name, verb.Description));

    /// <summary>Runs hpcrun-tools in this process when <paramref name="args"/> name one of its verbs.</summary>
    public static void HandOver(string[] args)
    {
        string? verb = args.SkipWhile(a => a is "-v" or "--verbose" or "--debug").FirstOrDefault(); // as HpcRunCli reads verbs
        if (verb is null || All.All(v => v.Name != verb)) return;
        // Be the real user in the namespace early.c entered: the tools read the user's files and name.
        EarlyNamespace.BeYourselfInside();
        string tools = Path.Combine(AppContext.BaseDirectory, Binary);
        SetupException failure = Syscalls.Exec(tools, ["hpcrun", .. args], Invocation.EnvironmentEntries);
        throw new HpcRunException(ExitCode.MissingTool, $"{tools} cannot be started ({failure.Message}): it is part of hpcrun, install it beside it");
    }
}
