using HpcRun.TestSupport;

namespace HpcRun.Gpu.Tests;

/// <summary>
/// A host with GPUs, faked below a world-readable directory as the drivers lay it out. NVIDIA:
/// two GPUs (minors 0 and 1) in /proc/driver/nvidia/gpus with their UUIDs, the control nodes,
/// driver 580.65.06's libraries in /usr/local/nvidia/lib64 (real ELF files with the driver's
/// sonames, built by gcc; libcuda needs GLIBC_2.34), an ld.so.cache that `ldconfig -r` wrote over
/// the tree (with the soname links it makes), nvidia-smi and the OpenCL vendor file. AMD: /dev/kfd,
/// two GPUs' /dev/dri nodes and libdrm_amdgpu. Device nodes are real character devices (mknod; the
/// tests run as root).
/// </summary>
public sealed class FakeGpuHost : IDisposable
{
    public const string Version = "580.65.06", NvidiaLib = "/usr/local/nvidia/lib64";
    public const string MultiarchLib = "/usr/lib/x86_64-linux-gnu";
    public static readonly string[] Uuids =
        ["GPU-5a1c3d2e-0000-4f00-8000-000000000000", "GPU-5a1c3d2e-0001-4f00-8000-000000000001"];
    public static readonly string[] BusIds = ["0000:18:00.0", "0000:2a:00.0"];

    private readonly string top = Path.Combine("/var/tmp", $"hpcrun-gpu-{Guid.NewGuid():N}");
    private readonly LibraryTrees trees;

    /// <summary>The fake host's "/".</summary>
    public string Root => Path.Combine(top, "host");

    public FakeGpuHost(bool nvidia = true, bool amd = false)
    {
        Directory.CreateDirectory(top);
        trees = new LibraryTrees(top);
        Directory.CreateDirectory(Root);
        if (nvidia) Nvidia();
        if (amd) Amd();
        trees.Cache("host", NvidiaLib, MultiarchLib);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", top);
    }

    private void Nvidia()
    {
        Node("/dev/nvidiactl", 195, 255);
        Node("/dev/nvidia0", 195, 0);
        Node("/dev/nvidia1", 195, 1);
        Node("/dev/nvidia-uvm", 511, 0);
        Node("/dev/nvidia-uvm-tools", 511, 1);
        Node("/dev/nvidia-caps/nvidia-cap1", 236, 1);
        Write("/proc/driver/nvidia/version", $"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  {Version}  " +
            "Release Build  (dvs-builder@U16-I3-B03-4-3)  Sun Jul 27 06:54:38 UTC 2025\nGCC version:  gcc 13.3.0\n");
        for (int minor = 0; minor < 2; minor++)
            Write($"/proc/driver/nvidia/gpus/{BusIds[minor]}/information",
                $"Model: \t\t NVIDIA H200\nIRQ:   \t\t 0\nGPU UUID: \t {Uuids[minor]}\n" +
                "Video BIOS: \t ??.??.??.??.??\nBus Type: \t PCIe\nDMA Size: \t 52 bits\n" +
                $"Bus Location: \t {BusIds[minor]}\nDevice Minor: \t {minor}\n" +
                "GPU Excluded:\t No\n");
        // closefrom is GLIBC_2.34: the glibc the driver's libcuda needs, for the glibc check.
        // The driver's libraries have soname major 1 whatever the version their file names carry.
        trees.LibIn("host", NvidiaLib, $"libcuda.so.{Version}",
            "#include <unistd.h>\nint f(void) { closefrom(9); return 1; }", "libcuda.so.1");
        trees.LibIn("host", NvidiaLib, $"libnvidia-ml.so.{Version}", "int g(void) { return 2; }", "libnvidia-ml.so.1");
        trees.LibIn("host", NvidiaLib, $"libnvidia-ptxjitcompiler.so.{Version}", "int h(void) { return 3; }",
            "libnvidia-ptxjitcompiler.so.1");
        trees.LibIn("host", MultiarchLib, $"libnvidia-opencl.so.{Version}", "int i(void) { return 4; }",
            "libnvidia-opencl.so.1");
        Write("/usr/local/nvidia/bin/nvidia-smi", $"#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: {Uuids[0]})'\n");
        File.SetUnixFileMode(HostPath("/usr/local/nvidia/bin/nvidia-smi"), (UnixFileMode)0b111_101_101);
        Write("/etc/OpenCL/vendors/nvidia.icd", "libnvidia-opencl.so.1\n");
    }

    private void Amd()
    {
        Node("/dev/kfd", 238, 0);
        foreach (var (name, minor) in new[] { ("card0", 0), ("card1", 1), ("renderD128", 128), ("renderD129", 129) })
            Node($"/dev/dri/{name}", 226, minor);
        Directory.CreateDirectory(HostPath("/dev/dri/by-path"));
        trees.LibIn("host", MultiarchLib, "libdrm_amdgpu.so.1.0.0", "int j(void) { return 5; }");
        trees.LibIn("host", MultiarchLib, "libdrm.so.2.4.0", "int k(void) { return 6; }");
    }

    public string HostPath(string path) => Root + path;

    public void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        File.WriteAllText(HostPath(path), content);
    }

    public void Delete(string path) => File.Delete(HostPath(path));

    /// <summary>An image below this fixture: busybox with a libc.so.6 that defines only GLIBC_2.2.5 to
    /// <paramref name="newest"/>, as an old distribution's does.</summary>
    public string OldGlibcImage(string newest)
    {
        string image = Path.Combine(top, "old-image");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, image);
        trees.Libc("old-image", "2.2.5", newest);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", image);
        return image;
    }

    /// <summary>The host as discovery reads it, seeing every node and /proc directory as the real one would.</summary>
    public GpuHost Read()
    {
        GpuHost host = GpuDiscovery.Read(Root);
        string[] nodes = !Directory.Exists(HostPath("/dev")) ? []
            : [.. Directory.EnumerateFileSystemEntries(HostPath("/dev"), "*", SearchOption.AllDirectories)
                .Select(p => p[Root.Length..]).Where(p => !p.Contains("by-path"))];
        return host with { VisiblePaths = new HashSet<string>(nodes.Append(NvidiaPaths.GpuInfo)) };
    }

    private void Node(string path, int major, int minor)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        TestEnvironment.RunChecked("mknod", "-m", "0666", HostPath(path), "c", $"{major}", $"{minor}");
    }

    public void Dispose() => Directory.Delete(top, recursive: true);
}
