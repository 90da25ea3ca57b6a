namespace HpcRun.Launch;

/// <summary>How much a <see cref="PlanMessage"/> matters, as the launcher's log levels count it
/// (src/HpcRun.CommandLine/Logging.cs): warnings show by default, information with -v, debug with
/// --debug.</summary>
public enum MessageLevel { Debug, Information, Warning }

/// <summary>A line a part has for the user about the container it decided (a host MPI newer than the
/// image's, an RDMA provider the image's glibc cannot load, a deleted current directory). Deciding prints
/// nothing: the launcher prints a plan's messages once per job (<see cref="IsShownBy"/>).</summary>
public sealed record PlanMessage(MessageLevel Level, string Text)
{
    /// <summary>Variables that give a task's rank under Slurm, PMI, PMIx and Open MPI.</summary>
    private static readonly string[] RankVariables = ["SLURM_PROCID", "PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK"];

    /// <summary>True when this process, with <paramref name="environment"/>, is the job's first rank (each
    /// rank variable absent or "0"), or runs outside any launcher: it prints the plan's messages, so that a
    /// 512-rank job prints one copy of each, not 512.</summary>
    public static bool IsShownBy(IReadOnlyDictionary<string, string> environment) =>
        RankVariables.All(v => environment.GetValueOrDefault(v) is null or "0");
}
