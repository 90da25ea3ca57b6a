namespace HpcRun.Doctor;

/// <summary>The readiness report, in the order a user fixes things: hpcrun's configuration, the node, the fabric,
/// jobs, the image.</summary>
public static class DoctorChecks
{
    /// <param name="runInside">Starts /bin/sh in an image with this hpcrun, without GPUs; null when it ran, else
    /// how it failed.</param>
    /// <param name="runWithGpus">The same with the host's GPUs (--gpu=auto); asked only on a host with GPUs.</param>
    /// <param name="imageCache">The image cache a launch uses (<see cref="CachedImageCheck"/>); none in tests of
    /// other checks.</param>
    /// <param name="cachedImage">For a docker:// image, what the image cache holds of it
    /// (<see cref="CachedImageCheck"/>); <paramref name="image"/> is then its cached SIF, or null.</param>
    public static IReadOnlyList<CheckResult> Run(DoctorHost host, string? image,
        Func<string, LaunchFailure?> runInside, Func<string, LaunchFailure?>? runWithGpus = null,
        CheckResult? imageCache = null, CheckResult? cachedImage = null) =>
    [
        SiteChecks.Configuration(host),
        .. imageCache is null ? [] : new[] { imageCache },
        SiteChecks.Registry(host),
        SystemChecks.UserNamespaces(host), SystemChecks.Fuse(host), SystemChecks.Squashfuse(host),
        SystemChecks.Kernel(host),
        .. RdmaChecks.All(host), .. GpuChecks.All(host),
        JobChecks.HostMpi(host), JobChecks.Slurm(host),
        .. cachedImage is null ? [] : new[] { cachedImage },
        .. image is null ? [] : new[] { ImageChecks.Check(image, runInside) },
        .. image is null || runWithGpus is null ? [] : GpuChecks.Image(host, image, runWithGpus),
    ];
}
