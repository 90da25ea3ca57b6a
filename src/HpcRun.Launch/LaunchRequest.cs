using HpcRun.Gpu;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Launch;

/// <summary>What the command line asked for, before anything is looked up.</summary>
public sealed record LaunchRequest
{
    public required string Image { get; init; }
    /// <summary>The command to run; empty means the image's default command.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    /// <summary>-B/--bind, after the site's default binds (<see cref="SiteConfig.Binds"/>).</summary>
    public IReadOnlyList<BindSpec> Binds { get; init; } = [];
    /// <summary>--env K=V, in command-line order.</summary>
    public IReadOnlyList<string> EnvAssignments { get; init; } = [];
    /// <summary>--env-file F, in command-line order.</summary>
    public IReadOnlyList<string> EnvFiles { get; init; } = [];
    public bool CleanEnv { get; init; }
    public bool FakeRoot { get; init; }
    public bool WritableTmpfs { get; init; }
    /// <summary>--pwd: the working directory inside; default: the host's, else the image's.</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>hpcrun shell: an interactive shell instead of the default command.</summary>
    public bool Shell { get; init; }
    /// <summary>--rdma; null: HPCRUN_RDMA, else the site's (<see cref="SiteConfig"/>), else auto.</summary>
    public RdmaSelection? Rdma { get; init; }
    /// <summary>--rdma-libs; null: HPCRUN_RDMA_LIBS, else the site's, else auto.</summary>
    public RdmaLibraries? RdmaLibs { get; init; }
    /// <summary>--gpu (--nv, --rocm); null: HPCRUN_GPU, else the site's, else auto.</summary>
    public GpuSelection? Gpu { get; init; }
    /// <summary>--mpi; null: HPCRUN_MPI, else the site's, else container.</summary>
    public MpiMode? Mpi { get; init; }
    /// <summary>--mpi-compat; null: HPCRUN_MPI_COMPAT, else the site's, else major.</summary>
    public MpiCompatibility? MpiCompat { get; init; }
    /// <summary>--join-key: the ranks that share a container on a node; null: HPCRUN_JOIN_KEY, else the
    /// launcher's job.</summary>
    public string? JoinKey { get; init; }
    /// <summary>--no-join: a container of this rank's own (also HPCRUN_NO_JOIN=1).</summary>
    public bool NoJoin { get; init; }
}
