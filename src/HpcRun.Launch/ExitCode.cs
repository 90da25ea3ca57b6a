namespace HpcRun;

/// <summary>
/// hpcrun's own exit statuses. A job's status (0-255, 128+N for signal N) passes through
/// unchanged; these are used only when hpcrun itself fails, so scripts can tell the cases
/// apart (README, "Exit status").
/// </summary>
public enum ExitCode
{
    Usage = 64,              // bad command line
    BadImage = 65,           // not an image, or a truncated/corrupt one
    ImageNotFound = 66,
    BindSourceNotFound = 67,
    NoUserNamespaces = 68,   // unprivileged user namespaces disabled
    FuseUnavailable = 69,    // /dev/fuse missing or not accessible
    Internal = 70,
    SetupFailed = 71,        // a mount or another setup step failed
    MissingTool = 72,        // libsquashfuse_ll, mksquashfs or hpcrun-tools not installed
    BadEnvironmentFile = 73, // --env-file unreadable or malformed
    RdmaDeviceNotFound = 74, // --rdma / HPCRUN_RDMA names a device the host lacks
    DoctorFoundFailures = 75, // hpcrun doctor: at least one check failed
    BindTargetUnusable = 76, // a mount's destination: the other kind (file/directory), or missing in a host directory
    MpiIncompatible = 77,    // --mpi=host: the host's MPI cannot replace the image's (ABI, glibc)
    JoinFailed = 78,         // a rank could not share its node's container (options differ from the first rank's)
    SiteConfigInvalid = 79,  // hpcrun.conf, a drop-in or HPCRUN_CONFIG's file: unreadable, unknown key, bad value
    BuildOutputUnwritable = 80, // build, pull: OUT exists (no --force), is a directory, or its directory is unusable
    BuildSourceUnreadable = 81, // build: a file or directory of the source cannot be read (--skip-unreadable: left out)
    ImageArchitecture = 82,  // the image (a SIF) is for another CPU architecture than this host's
    ImageNeedsBuild = 83,    // an archive or OCI layout (docker-archive:, oci:, oci-archive:): build a SIF of it
    OutputUnwritable = 84,   // hpcrun's own output on stdout (inspect, cache list, help) could not be written
    GpuNotFound = 85,        // --gpu names a kind or an index this host (or the Slurm job) does not have
    GpuDriverBroken = 86,    // the host's GPU driver libraries: a dangling link, or libcuda missing with --gpu=nvidia
    GpuImageIncompatible = 87, // the image cannot run the GPU driver's libraries: no glibc, or too old a one
    BenchNothingComparable = 88, // bench: the host and the image share none of the benchmarks asked for
    BenchRoundFailed = 89,   // bench: a round failed after both sides had run once
    SlurmNotConfigured = 90, // submit/status/cancel/jobs: no slurmrestd URL or token, unsupported API version
    SlurmUnreachable = 91,   // slurmrestd down or refusing connections (after retries), or its host unknown
    SlurmUnauthorized = 92,  // slurmrestd answered 401: user name or token missing
    SlurmTokenRejected = 93, // Slurm refused the token (expired, or for another user)
    SlurmRefused = 94,       // Slurm refused the request and said why (bad partition, another user's job)
    SlurmBadResponse = 95,   // slurmrestd's answer was not what hpcrun understands
    SlurmTimeout = 96,       // slurmrestd did not answer in time
    SlurmJobEnded = 97,      // cancel: the job already ended (completed, failed, cancelled...): nothing to cancel
    SlurmUnknownJob = 98,    // status/cancel: Slurm knows no such job (never submitted, or forgotten since it ended)
    RegistryBadReference = 100, // pull, docker://: not an image reference, or a bad --platform / --creds
    RegistryUnreachable = 101,  // no connection to the registry (refused, host unknown, TLS), after retries
    RegistryTimeout = 102,      // the registry did not answer in time (HPCRUN_REGISTRY_TIMEOUT)
    RegistryUnauthorized = 103, // 401 or 403: credentials missing or rejected, access denied
    RegistryNotFound = 104,     // 404: no such repository, tag or manifest
    RegistryRefused = 105,      // 429 or 5xx after retries, or an answer hpcrun cannot use
    RegistryNoPlatform = 106,   // the image has no manifest for the platform (--platform, default the host's)
    RegistryBadContent = 107,   // a digest or size mismatch, a truncated blob, a malformed or unsupported manifest
    DiskFullOrCacheUnusable = 108, // a full disk or spent quota where build, pull or a recipe writes; the image cache
                                   // cannot be made or used (not the user's alone)
    NotCached = 109,            // --offline / HPCRUN_OFFLINE=1 and the image is not in the cache
    RecipeCommandFailed = 110,  // build from a recipe: a RUN, %post or %test exited non-zero (its status and line said)
    RecipeInvalid = 111,        // build from a recipe: unreadable, unknown or unsupported instruction, section, header
    RecipeSourceRefused = 112,  // build from a recipe: a COPY/ADD/%files source is missing or outside the context
    CommandNotExecutable = 126,
    CommandNotFound = 127,
}
