using HpcRun.Gpu;

namespace HpcRun.Doctor;

/// <summary>The GPUs: the driver's version and libraries, each GPU, and whether an image can use them.</summary>
public static class GpuChecks
{
    public static IEnumerable<CheckResult> All(DoctorHost host)
    {
        GpuHost gpu = host.Gpu;
        if (gpu.Nvidia is null && gpu.Amd is null)
            return [CheckResult.Ok("gpu", $"no GPUs (no {NvidiaPaths.Control}, no {AmdPaths.Kfd})")];
        IEnumerable<CheckResult> amd = gpu.Amd is { } found ? [Amd(found)] : [];
        return gpu.Nvidia is { } nvidia ? Nvidia(nvidia).Concat(amd) : amd;
    }

    private static IEnumerable<CheckResult> Nvidia(NvidiaHost nvidia)
    {
        const string name = "gpu nvidia";
        string version = nvidia.DriverVersion ?? "of unknown version";
        string summary = $"driver {version}, {nvidia.Gpus.Count} GPU(s), {nvidia.Files.Libraries.Count} libraries";
        DriverLibrary? cuda = nvidia.Files.Libraries.FirstOrDefault(l => l.Soname == "libcuda.so.1");
        string? cudaVersion = cuda?.FileName["libcuda.so.".Length..];
        if (nvidia.Files.Broken.FirstOrDefault() is { } broken)
            yield return CheckResult.Fail(name, $"{broken.Link} is a dangling link (to {broken.Target}); {summary}",
                "reinstall the driver's user-space libraries and run ldconfig");
        else if (cuda is null)
            yield return CheckResult.Fail(name, $"no libcuda.so.1 in ld.so.cache or the driver directories; {summary}",
                "install the driver's user-space libraries (libnvidia-compute / nvidia-driver-libs) and run ldconfig");
        else if (nvidia.Gpus.Count == 0)
            yield return CheckResult.Fail(name, $"no GPU in /proc/driver/nvidia/gpus or /dev; {summary}",
                "check the driver with nvidia-smi and dmesg");
        else if (nvidia.DriverVersion is not null && cudaVersion != nvidia.DriverVersion)
            yield return CheckResult.Warn(name, $"the kernel module is {nvidia.DriverVersion} but libcuda is " +
                $"{cudaVersion}; {summary}", "reboot after a driver update, or install the module's own libraries");
        else yield return CheckResult.Ok(name, summary);
        if (!nvidia.ControlNodes.Contains(NvidiaPaths.OtherControls[0]))
            yield return CheckResult.Warn("gpu nvidia-uvm", $"no {NvidiaPaths.OtherControls[0]}: CUDA cannot start",
                "load it with nvidia-modprobe -u -c=0 (or modprobe nvidia-uvm)");
        foreach (NvidiaGpu gpu in nvidia.Gpus)
            yield return CheckResult.Ok($"gpu nvidia:{gpu.Minor}", string.Join(", ",
                new[] { gpu.Model, gpu.Uuid, gpu.BusId, gpu.DevPath }.OfType<string>()));
    }

    private static CheckResult Amd(AmdHost amd)
    {
        string summary = $"driver {amd.DriverVersion ?? "of the kernel"}, {amd.RenderNodes.Count} GPU(s) " +
            $"({string.Join(' ', amd.RenderNodes.Select(Path.GetFileName))}), " +
            $"{amd.Files.Libraries.Count} driver libraries";
        return amd.RenderNodes.Count == 0
            ? CheckResult.Fail("gpu amd", $"{AmdPaths.Kfd} but no render node in {AmdPaths.Dri}; {summary}",
                "check the amdgpu driver (dmesg) and the udev rules for /dev/dri")
            : CheckResult.Ok("gpu amd", summary);
    }

    /// <summary>Whether <paramref name="image"/> can use this host's GPUs: a launch with --gpu=auto, which refuses an
    /// image that cannot run the driver's libraries (<paramref name="runInside"/> returns null or why not).</summary>
    public static IEnumerable<CheckResult> Image(DoctorHost host, string image,
        Func<string, LaunchFailure?> runInside)
    {
        if (host.Gpu.Nvidia is null && host.Gpu.Amd is null) return [];
        return [runInside(image) is { } error
            ? CheckResult.Fail("gpu image", $"{image} cannot use the GPUs: {error}",
                "use an image with a glibc at least as new as the driver needs, or run it with --gpu=none")
            : CheckResult.Ok("gpu image", $"{image} runs with the host's GPU driver bound")];
    }
}
