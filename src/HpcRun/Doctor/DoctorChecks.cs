namespace HpcRun.Doctor;

/// <summary>The readiness report, in the order a user fixes things: hpcrun's configuration, the node, the fabric,
/// jobs, the image.</summary>
public static class DoctorChecks
{
    public static IReadOnlyList<CheckResult> Run(DoctorHost host, string? image, Func<string, string?> runInside) =>
    [
        SiteChecks.Configuration(host),
        SystemChecks.UserNamespaces(host), SystemChecks.Fuse(host), SystemChecks.Squashfuse(host),
        SystemChecks.Kernel(host),
        .. RdmaChecks.All(host),
        JobChecks.HostMpi(host), JobChecks.Slurm(host),
        .. image is null ? [] : new[] { ImageChecks.Check(image, runInside) },
    ];
}
