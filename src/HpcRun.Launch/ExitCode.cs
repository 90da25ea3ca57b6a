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
    BuildOutputUnwritable = 80, // build: OUT exists (no --force), is a directory, or its directory is unusable
    BuildSourceUnreadable = 81, // build: a file or directory of the source cannot be read (--skip-unreadable: left out)
    BenchNothingComparable = 88, // bench: the host and the image share none of the benchmarks asked for
    BenchRoundFailed = 89,   // bench: a round failed after both sides had run once
    SlurmNotConfigured = 90, // submit/status/cancel/jobs: no slurmrestd URL or token, unsupported API version
    SlurmUnreachable = 91,   // slurmrestd down or refusing connections (after retries), or its host unknown
    SlurmUnauthorized = 92,  // slurmrestd answered 401: user name or token missing
    SlurmTokenRejected = 93, // Slurm refused the token (expired, or for another user)
    SlurmRefused = 94,       // Slurm refused the request and said why (bad partition, unknown job)
    SlurmBadResponse = 95,   // slurmrestd's answer was not what hpcrun understands
    SlurmTimeout = 96,       // slurmrestd did not answer in time
    CommandNotExecutable = 126,
    CommandNotFound = 127,
}
