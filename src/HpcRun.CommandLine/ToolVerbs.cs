using System.CommandLine;

namespace HpcRun.CommandLine;

/// <summary>
/// The verbs that run no container (build, inspect and the slurmrestd ones) live in a second
/// binary, hpcrun-tools, beside hpcrun: the launcher then leaves out their libraries (Spectre,
/// SharpCompress, Refit, Polly), and a 13 MB binary's start-up becomes a 5 MB one's, on every
/// rank of every job. hpcrun lists them in its help and hands them over by exec.
/// </summary>
public static class ToolVerbs
{
    public static readonly (string Name, string Description)
        Build = ("build",
            "Build a flattened image from a directory, Docker or OCI archive, Dockerfile or Apptainer definition file"),
        Inspect = ("inspect", "Describe an image: format, architecture, partitions, config, labels, build record"),
        RunHelp = ("run-help", "Print the image's help (%help of its definition file: /.singularity.d/runscript.help)"),
        Submit = ("submit", "Submit a batch job that runs CMD inside IMAGE on every task (srun hpcrun IMAGE CMD)"),
        Status = ("status", "Show a batch job's state, exit status and output file"),
        Cancel = ("cancel", "Cancel a batch job (like scancel)"),
        Jobs = ("jobs", "List your batch jobs (a table, like squeue)"),
        Pull = ("pull", "Pull an image from a registry into a SIF: hpcrun pull [OUT.sif] docker://HOST/NAME:TAG"),
        Cache = ("cache", "List or clean the images `hpcrun docker://REF` pulled (cache list|clean)"),
        Bench = ("bench", "Compare IMAGE with the host: start-up, reading files, MPI, hpcc (interleaved rounds)");

    private static readonly (string Name, string Description)[] All =
        [Build, Inspect, RunHelp, Submit, Status, Cancel, Jobs, Pull, Cache, Bench];

    public const string Binary = "hpcrun-tools";

    /// <summary>Entries for hpcrun's help; running one is hpcrun-tools' job, which hpcrun hands it by exec.</summary>
    public static IEnumerable<Command> Listed => All.Select(verb => new Command(verb.Name, verb.Description));

    /// <summary>The verbs that use the image cache of `hpcrun docker://REF` (build keeps its pulled bases and recipe
    /// steps there), whose place a site may set (cache-dir, read by the launcher only: it hands it to them as
    /// HPCRUN_SITE_CACHEDIR).</summary>
    public static readonly string[] UsingImageCache = [Build.Name, Pull.Name, Cache.Name, Inspect.Name, RunHelp.Name];

    /// <summary>The verbs that write images with mksquashfs, whose arguments a site may add to (mksquashfs-args, read
    /// by the launcher only: it hands them over as HPCRUN_MKSQUASHFS_ARGS).</summary>
    public static readonly string[] WritingImages = [Build.Name, Pull.Name];

    /// <summary>The verb of these that <paramref name="args"/> (hpcrun's arguments) name, read as
    /// <see cref="CommandLineRoot"/> reads verbs: after the options that may lead it (and `help`, whose verb's help
    /// hpcrun-tools prints); null when they name none.</summary>
    /// <remarks>Loops, not LINQ: this runs at every launch, and each first call of a generic LINQ operator costs
    /// NativeAOT an interface dispatch resolution.</remarks>
    public static string? Named(string[] args)
    {
        foreach (string arg in args)
        {
            if (CommandLineRoot.LeadsVerb(arg) || arg == CommandLineRoot.HelpVerb) continue;
            foreach (var (name, _) in All)
                if (name == arg) return name;
            return null;
        }
        return null;
    }
}
