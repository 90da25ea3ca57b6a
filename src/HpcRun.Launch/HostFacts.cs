using HpcRun.Gpu;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Launch;

/// <summary>The facts about the host that a launch depends on, gathered once by
/// <see cref="HostFactsReader"/> so that deciding stays pure.</summary>
public sealed record HostFacts
{
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public required int Uid { get; init; }
    public required int Gid { get; init; }
    /// <summary>The user's passwd line (name:x:uid:gid:gecos:home:shell) as the host's NSS knows it.</summary>
    public required string PasswdLine { get; init; }
    /// <summary>The user's primary group line (name:x:gid:).</summary>
    public required string GroupLine { get; init; }
    public required string Home { get; init; }
    /// <summary>The current directory, with symlinks resolved; null when it no longer exists (deleted).</summary>
    public required string? Cwd { get; init; }
    /// <summary>Why the user cannot enter <see cref="Cwd"/> (access(2)'s error: "Permission denied" for another
    /// user's directory that sudo or runuser started in, "Stale file handle" on NFS...); null when they can.</summary>
    public string? CwdUnusable { get; init; }
    /// <summary>The current directory when the job can start in it: it exists and the user can enter it.</summary>
    public string? UsableCwd => CwdUnusable is null ? Cwd : null;
    /// <summary>Host paths the parts may bind (bind sources, the home, the resolver files, MPI's directories),
    /// resolved; null when missing.</summary>
    public IReadOnlyDictionary<string, string?> ResolvedPaths { get; init; } = new Dictionary<string, string?>();
    /// <summary>Whether -H's SRC is a directory; false for a file, which would leave HOME a file.</summary>
    public bool HomeSourceIsDirectory { get; init; } = true;
    /// <summary>Contents of the --env-file files, by the path given on the command line.</summary>
    public IReadOnlyDictionary<string, string> EnvFileContents { get; init; } = new Dictionary<string, string>();
    /// <summary>The host's RDMA devices, provider libraries and memlock limit.</summary>
    public RdmaHost Rdma { get; init; } = RdmaHost.Nothing;
    /// <summary>The host's GPUs and their drivers; nothing is read for --gpu=none.</summary>
    public GpuHost Gpu { get; init; } = GpuHost.Nothing;
    /// <summary>The host's MPI installations, read only for --mpi=host.</summary>
    public HostMpi? Mpi { get; init; }
    /// <summary>The site's defaults (hpcrun.conf and its drop-ins), below the options and HPCRUN_* variables.</summary>
    public SiteConfig Site { get; init; } = SiteConfig.None;
}
