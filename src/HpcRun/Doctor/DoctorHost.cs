using HpcRun.Gpu;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Doctor;

/// <summary>
/// What the doctor examines: files below <see cref="Root"/> ("/" except on fake trees in tests),
/// the environment (PATH, Slurm), the outcome of hpcrun's early unshare, and the RDMA host.
/// </summary>
public sealed record DoctorHost
{
    public string Root { get; init; } = "/";
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    /// <summary>errno of the unshare(CLONE_NEWUSER|CLONE_NEWNS) hpcrun tried at start; 0 when it worked.</summary>
    public required int UnshareErrno { get; init; }
    /// <summary>Why libsquashfuse_ll cannot be loaded, as a launch would load it; null when it loads.</summary>
    public required string? SquashFuseError { get; init; }
    public required RdmaHost Rdma { get; init; }
    /// <summary>The host's GPUs and drivers, as a launch with --gpu=auto finds them.</summary>
    public GpuHost Gpu { get; init; } = GpuHost.Nothing;
    /// <summary>The host's MPI as host MPI injection finds it (ld.so.cache, HPCRUN_MPI_LIBS).</summary>
    public required HostMpi Mpi { get; init; }
    /// <summary>The site configuration as a launch reads it; null when it is bad, <see cref="SiteError"/> saying
    /// why.</summary>
    public SiteConfig? Site { get; init; } = SiteConfig.None;
    /// <summary>The one line a launch would fail with (status 79) when the site configuration is bad.</summary>
    public string? SiteError { get; init; }

    public string HostPath(string path) => Root == "/" ? path : Root.TrimEnd('/') + path;

    /// <summary>The file's first line, or null when it is missing or unreadable.</summary>
    public string? ReadLine(string path)
    {
        try { return File.ReadLines(HostPath(path)).FirstOrDefault()?.Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Where <paramref name="program"/> is on PATH, or null.</summary>
    public string? FindProgram(string program) =>
        (Environment.GetValueOrDefault("PATH") ?? EnvironmentPart.DefaultPath)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(p => File.Exists(HostPath(p)));
}
