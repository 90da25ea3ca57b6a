using System.Text.RegularExpressions;

namespace HpcRun.Doctor;

/// <summary>What multi-node jobs use: the host's MPI (for injection into images) and Slurm.</summary>
public static partial class JobChecks
{
    private static readonly string[] LibraryDirs =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/usr/local/lib", "/opt/cray/pe/lib64"];

    /// <summary>MPI core libraries: libmpi.so.12 / libmpich.so.12 / libmpi_cray.so.12 share the MPICH ABI; libmpi.so.40 is Open MPI.</summary>
    [GeneratedRegex(@"^lib(mpi|mpich|mpi_cray)\.so\.(\d+)$")]
    private static partial Regex MpiSoname();

    public static CheckResult HostMpi(DoctorHost host)
    {
        const string name = "host mpi";
        IEnumerable<string> dirs = (host.Environment.GetValueOrDefault("LD_LIBRARY_PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(LibraryDirs).Distinct();
        var found = dirs.Where(d => Directory.Exists(host.HostPath(d)))
            .SelectMany(d => Directory.EnumerateFileSystemEntries(host.HostPath(d), "lib*.so.*").Select(f => (Dir: d, File: Path.GetFileName(f))))
            .Select(e => (e.Dir, e.File, Match: MpiSoname().Match(e.File))).Where(e => e.Match.Success)
            .OrderBy(e => e.File, StringComparer.Ordinal).ToList();
        if (found.Count == 0)
            return CheckResult.Warn(name, "no MPI library found (libmpi.so / libmpich.so): images must bring their own MPI",
                "load the site's MPI module (its lib directory on LD_LIBRARY_PATH) for host MPI injection");
        return CheckResult.Ok(name, string.Join(", ", found.Select(e => $"{e.Dir}/{e.File} ({Abi(e.Match)})")));
    }

    private static string Abi(Match soname) => soname.Groups[2].Value == "12" ? "MPICH ABI"
        : soname.Groups[1].Value == "mpi" && soname.Groups[2].Value is "40" or "20" ? $"Open MPI ABI {soname.Groups[2].Value}"
        : $"ABI {soname.Groups[2].Value}";

    public static CheckResult Slurm(DoctorHost host)
    {
        const string name = "slurm";
        IReadOnlyDictionary<string, string> env = host.Environment;
        if (env.GetValueOrDefault("SLURM_JOB_ID") is { } job)
        {
            string step = env.GetValueOrDefault("SLURM_STEP_ID") is { } s ? $", step {s}, task {env.GetValueOrDefault("SLURM_PROCID", "?")} of {env.GetValueOrDefault("SLURM_NTASKS", "?")}" : " (batch script, not a step)";
            string pmi = env.ContainsKey("PMIX_RANK") ? "PMIx" : env.ContainsKey("PMI_FD") || env.ContainsKey("PMI_RANK") ? "PMI" : "no PMI";
            return CheckResult.Ok(name, $"job {job}{step}, on {env.GetValueOrDefault("SLURM_JOB_NUM_NODES", "?")} node(s), {pmi}");
        }
        return host.FindProgram("srun") is { } srun
            ? CheckResult.Ok(name, $"not inside a job; srun at {srun}")
            : CheckResult.Warn(name, "not inside a job and no srun on PATH", "multi-node runs need Slurm's srun (or another launcher such as mpirun)");
    }
}
