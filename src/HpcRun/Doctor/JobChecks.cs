using HpcRun.Mpi;

namespace HpcRun.Doctor;

/// <summary>What multi-node jobs use: the host's MPI (for injection into images) and Slurm.</summary>
public static class JobChecks
{
    public static CheckResult HostMpi(DoctorHost host)
    {
        const string name = "host mpi";
        IReadOnlyList<HostMpiStack> stacks = host.Mpi.Stacks;
        if (stacks.Count == 0)
            return CheckResult.Warn(name, "no MPI in the host's ld.so.cache: --mpi=host has nothing to inject",
                "install or load the site's MPI, or name its libraries in HPCRUN_MPI_LIBS");
        string detail = string.Join("; ",
            stacks.Select(s => $"{s.Installation}" + (s.Glibc is { } g ? $", needs glibc {g.Version}" : "")));
        string[] unresolved = [.. stacks.SelectMany(s => s.Unresolved).Distinct()];
        return unresolved.Length == 0 ? CheckResult.Ok(name, detail)
            : CheckResult.Warn(name, $"{detail}; dependencies not found: {string.Join(", ", unresolved)}",
                "list the MPI's libraries in HPCRUN_MPI_LIBS, or run ldconfig so the loader's cache has them");
    }

    public static CheckResult Slurm(DoctorHost host)
    {
        const string name = "slurm";
        IReadOnlyDictionary<string, string> env = host.Environment;
        if (env.GetValueOrDefault("SLURM_JOB_ID") is { } job)
        {
            string step = env.GetValueOrDefault("SLURM_STEP_ID") is { } s
                ? $", step {s}, task {env.GetValueOrDefault("SLURM_PROCID", "?")} " +
                    $"of {env.GetValueOrDefault("SLURM_NTASKS", "?")}"
                : " (batch script, not a step)";
            string pmi = env.ContainsKey("PMIX_RANK") ? "PMIx"
                : env.ContainsKey("PMI_FD") || env.ContainsKey("PMI_RANK") ? "PMI" : "no PMI";
            return CheckResult.Ok(name,
                $"job {job}{step}, on {env.GetValueOrDefault("SLURM_JOB_NUM_NODES", "?")} node(s), {pmi}");
        }
        return host.FindProgram("srun") is { } srun
            ? CheckResult.Ok(name, $"not inside a job; srun at {srun}")
            : CheckResult.Warn(name, "not inside a job and no srun on PATH",
                "multi-node runs need Slurm's srun (or another launcher such as mpirun)");
    }
}
