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
    MissingTool = 72,        // squashfuse_ll (or another helper program) not installed
    BadEnvironmentFile = 73, // --env-file unreadable or malformed
    RdmaDeviceNotFound = 74, // --rdma / HPCRUN_RDMA names a device the host lacks
    DoctorFoundFailures = 75, // hpcrun doctor: at least one check failed
    CommandNotExecutable = 126,
    CommandNotFound = 127,
}
