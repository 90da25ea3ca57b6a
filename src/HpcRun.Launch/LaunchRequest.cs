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
    /// <summary>`hpcrun run IMAGE ARGS`: the arguments of the image's default command (the runscript's "$@";
    /// they replace the config's cmd after its entrypoint), as `apptainer run` passes them.</summary>
    public IReadOnlyList<string> RunArguments { get; init; } = [];
    /// <summary>-B/--bind, after the site's default binds (<see cref="SiteConfig.Binds"/>).</summary>
    public IReadOnlyList<BindSpec> Binds { get; init; } = [];
    /// <summary>--env K=V, in command-line order.</summary>
    public IReadOnlyList<string> EnvAssignments { get; init; } = [];
    /// <summary>--env-file F, in command-line order.</summary>
    public IReadOnlyList<string> EnvFiles { get; init; } = [];
    /// <summary>Where <see cref="EnvFiles"/> came from, as messages name it: --env-file, or the variable that gave
    /// the file (APPTAINER_ENV_FILE...).</summary>
    public string EnvFilesOrigin { get; init; } = "--env-file";
    public bool CleanEnv { get; init; }
    public bool FakeRoot { get; init; }
    public bool WritableTmpfs { get; init; }
    /// <summary>--pwd: the working directory inside; default: the host's, else the image's.</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>hpcrun shell: an interactive shell instead of the default command. What follows the image is in
    /// <see cref="RunArguments"/>, which the shell does not get (Apptainer's shell ignores them too, with a
    /// warning).</summary>
    public bool Shell { get; init; }
    /// <summary>hpcrun test: the image's test script (%test, /.singularity.d/test) with
    /// <see cref="RunArguments"/>, as `apptainer test` runs it.</summary>
    public bool Test { get; init; }
    /// <summary>shell -s/--shell PATH: the shell to start; null: /bin/bash, else /bin/sh.</summary>
    public string? ShellPath { get; init; }
    /// <summary>-c/--contain (-C/--containall): private /tmp and /var/tmp, an empty home (unless
    /// <see cref="Home"/>), the current directory not bound; Apptainer's --contain.</summary>
    public bool Contain { get; init; }
    /// <summary>-H/--home SRC[:DST]: the host directory bound as the home, and where; null: the user's own.</summary>
    public HomeSpec? Home { get; init; }
    /// <summary>Where <see cref="Home"/> came from, as messages name it: --home, or the variable that gave it
    /// (APPTAINER_HOME...).</summary>
    public string? HomeOrigin { get; init; }
    /// <summary>--no-mount words and destinations (<see cref="NoMount"/>); --no-home is `home`.</summary>
    public NoMount NoMount { get; init; } = NoMount.None;
    /// <summary>--rdma; null: HPCRUN_RDMA, else the site's (<see cref="SiteConfig"/>), else auto.</summary>
    public RdmaSelection? Rdma { get; init; }
    /// <summary>--rdma-libs; null: HPCRUN_RDMA_LIBS, else the site's, else auto.</summary>
    public RdmaLibraries? RdmaLibs { get; init; }
    /// <summary>--gpu (--nv, --rocm; APPTAINER_NV, APPTAINER_ROCM); null: HPCRUN_GPU, else the site's, else auto.
    /// </summary>
    public GpuSelection? Gpu { get; init; }
    /// <summary>Where <see cref="Gpu"/> came from, as messages name it: --gpu, --nv, --rocm or the variable
    /// (APPTAINER_NV, SINGULARITY_ROCM...); null: --gpu.</summary>
    public string? GpuOrigin { get; init; }
    /// <summary>Apptainer's --rocm (or its variable) given with --nv (or its variable), which Apptainer does not apply
    /// either: the launch warns that only <see cref="GpuOrigin"/> is.</summary>
    public string? GpuIgnored { get; init; }
    /// <summary>--mpi; null: HPCRUN_MPI, else the site's, else container.</summary>
    public MpiMode? Mpi { get; init; }
    /// <summary>--mpi-compat; null: HPCRUN_MPI_COMPAT, else the site's, else major.</summary>
    public MpiCompatibility? MpiCompat { get; init; }
    /// <summary>--join-key: the ranks that share a container on a node; null: HPCRUN_JOIN_KEY, else the
    /// launcher's job.</summary>
    public string? JoinKey { get; init; }
    /// <summary>--no-join: a container of this rank's own (also HPCRUN_NO_JOIN=1).</summary>
    public bool NoJoin { get; init; }
    /// <summary>--offline: a docker:// image only from the cache, no registry asked (also HPCRUN_OFFLINE=1).</summary>
    public bool Offline { get; init; }
}
