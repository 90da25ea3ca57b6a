namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// How the MPI benchmarks start their two ranks, natively (`LAUNCHER PROGRAM`) and in the image
/// (`LAUNCHER hpcrun IMAGE PROGRAM`, ranks sharing their node's container): in a Slurm allocation
/// (SLURM_JOB_ID set) srun, one rank on each of two nodes when the allocation has two or more (srun takes its
/// MPI plugin from SLURM_MPI_TYPE, e.g. pmix, or the site's MpiDefault); elsewhere the mpirun on the PATH,
/// two ranks on this node.
/// </summary>
internal sealed record MpiLauncher(string Description, IReadOnlyList<string> Prefix, bool InAllocation)
{
    public const int Ranks = 2;

    /// <summary>The launcher for this environment, or null with <paramref name="why"/> there is none.</summary>
    public static MpiLauncher? Find(IReadOnlyDictionary<string, string?> environment, out string? why)
    {
        why = null;
        if (!string.IsNullOrEmpty(environment.GetValueOrDefault("SLURM_JOB_ID")))
        {
            if (CommandRunner.OnPath("srun") is not { } srun)
            {
                why = "in a Slurm allocation, but no srun on the PATH";
                return null;
            }
            bool twoNodes = int.TryParse(environment.GetValueOrDefault("SLURM_JOB_NUM_NODES"), out int nodes)
                && nodes >= Ranks;
            string[] placement = twoNodes ? ["--nodes=2", "--ntasks-per-node=1"] : ["--nodes=1"];
            return new MpiLauncher(
                $"srun, {Ranks} ranks on {(twoNodes ? "2 nodes" : "1 node")} of job {environment["SLURM_JOB_ID"]}",
                [srun, $"--ntasks={Ranks}", .. placement], InAllocation: true);
        }
        if (CommandRunner.OnPath("mpirun") is { } mpirun)
            return new MpiLauncher($"mpirun, {Ranks} ranks on this node", [mpirun, "-np", $"{Ranks}"], false);
        why = "not in a Slurm allocation (no SLURM_JOB_ID) and no mpirun on the PATH";
        return null;
    }

    /// <summary>The launcher's command line for <paramref name="argv"/>.</summary>
    public string[] Launch(IEnumerable<string> argv) => [.. Prefix, .. argv];
}
