namespace HpcRun.Launch;

/// <summary>
/// What a launcher (Slurm's srun, Open MPI's mpirun, MPICH's hydra, any PMIx launcher) sets in the
/// environment of each rank it starts: the variables that say a launcher started this process
/// (Native/hpcrun.h lists the same, for Native/early.c; tests/HpcRun.Tests/Native/ContractTests.cs
/// holds the two equal), and those that give the rank's number.
/// </summary>
public static class LauncherRank
{
    /// <summary>Set in every rank, whatever its number, one per launcher family: without any, no
    /// launcher started this process.</summary>
    public static readonly string[] Markers = ["SLURM_STEP_ID", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK"];

    /// <summary>The rank's number within its job, under Slurm, PMI, PMIx and Open MPI.</summary>
    public static readonly string[] NumberVariables = ["SLURM_PROCID", "PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK"];

    /// <summary>A launcher started this process.</summary>
    public static bool IsLaunched(IReadOnlyDictionary<string, string> environment) =>
        Markers.Any(environment.ContainsKey);

    /// <summary>Rank 0 of its job, or no launcher's rank at all: the process that speaks for the job
    /// (prints its warnings once rather than once per rank).</summary>
    public static bool IsFirst(IReadOnlyDictionary<string, string> environment) =>
        NumberVariables.All(v => environment.GetValueOrDefault(v) is null or "0");
}
