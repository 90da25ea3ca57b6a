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
        CheckResult? imageCache = null, CheckResult? cachedImage = null)
    {
        CheckResult[] node =
        [
            SiteChecks.Configuration(host),
            .. imageCache is null ? [] : new[] { imageCache },
            SiteChecks.Registry(host),
            SystemChecks.UserNamespaces(host), SystemChecks.Fuse(host), SystemChecks.Squashfuse(host),
            SystemChecks.Kernel(host),
            .. RdmaChecks.All(host), .. Some(SettingChecks.Rdma(host)),
            .. GpuChecks.All(host), .. Some(SettingChecks.Gpu(host)),
            JobChecks.HostMpi(host), .. Some(SettingChecks.Mpi(host)), JobChecks.Slurm(host),
            .. cachedImage is null ? [] : new[] { cachedImage },
        ];
        if (image is null) return node;
        return
        [
            .. node,
            ImageChecks.Check(image, runInside, flaggedAbove: node.Any(c => c.Status != CheckStatus.OK)),
            .. runWithGpus is null ? [] : GpuChecks.Image(host, image, runWithGpus),
        ];
    }

    private static IEnumerable<CheckResult> Some(CheckResult? check) => check is null ? [] : [check];
}
