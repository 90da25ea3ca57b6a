using HpcRun.HostLibraries;

namespace HpcRun.Gpu;

/// <summary>
/// What the host has for GPUs, read once by <see cref="GpuDiscovery"/>. <see cref="Root"/> is where
/// the host's /dev, /proc, /etc and library directories were read ("/" except in tests,
/// HPCRUN_GPU_ROOT); the container paths are always the standard ones.
/// </summary>
public sealed record GpuHost
{
    public const string RootVariable = "HPCRUN_GPU_ROOT";

    public static GpuHost Nothing { get; } = new();

    public string Root { get; init; } = "/";
    /// <summary>The NVIDIA driver and GPUs; null when the host has no /dev/nvidiactl.</summary>
    public NvidiaHost? Nvidia { get; init; }
    /// <summary>The AMD GPUs; null when the host has no /dev/kfd.</summary>
    public AmdHost? Amd { get; init; }
    /// <summary>Of the device nodes and /proc directories the plan would mount on, those the container
    /// sees through its host /dev and /proc (read at the real "/", where mounts can be placed).</summary>
    public IReadOnlySet<string> VisiblePaths { get; init; } = new HashSet<string>();

    /// <summary>Where a host path was read: <paramref name="path"/> under <see cref="Root"/>.</summary>
    public string HostPath(string path) => Root == "/" ? path : Root.TrimEnd('/') + path;
}

/// <summary>
/// An NVIDIA driver: its version (the kernel module's, from /proc/driver/nvidia/version, else
/// libcuda's file name), its GPUs, the control nodes present (/dev/nvidiactl, nvidia-uvm,
/// nvidia-uvm-tools, nvidia-modeset, the /dev/nvidia-caps directory) and its user-space files.
/// </summary>
public sealed record NvidiaHost(string? DriverVersion, IReadOnlyList<NvidiaGpu> Gpus,
    IReadOnlyList<string> ControlNodes, DriverFiles Files);

/// <summary>One NVIDIA GPU: its device minor (/dev/nvidiaN), and what /proc/driver/nvidia/gpus/BUS/information
/// says of it (null when it was not read).</summary>
public sealed record NvidiaGpu(int Minor, string? Uuid = null, string? BusId = null, string? Model = null)
{
    public string DevPath => $"{NvidiaPaths.DevPrefix}{Minor}";
}

/// <summary>
/// AMD GPUs: /dev/kfd (one node for all GPUs, ROCm's compute interface), the render nodes
/// (/dev/dri/renderD128... one a GPU, in ROCm's order) and the other /dev/dri nodes (card0...),
/// and the driver's user-space files.
/// </summary>
/// <param name="DriverVersion">The amdgpu module's version (/sys/module/amdgpu/version, DKMS builds only); null
/// for the kernel's own driver.</param>
public sealed record AmdHost(string? DriverVersion, IReadOnlyList<string> RenderNodes, IReadOnlyList<string> OtherNodes,
    DriverFiles Files);

/// <summary>A driver's user-space files found on the host, by host path (below the root in tests): libraries,
/// programs, ICD and vendor configuration files, and the library links that lead nowhere.</summary>
public sealed record DriverFiles(IReadOnlyList<DriverLibrary> Libraries, IReadOnlyList<string> Programs,
    IReadOnlyList<string> ConfigFiles, IReadOnlyList<BrokenLibrary> Broken)
{
    public static DriverFiles Empty { get; } = new([], [], [], []);
}

/// <summary>A driver library: its soname (libcuda.so.1), the real file on the host (libcuda.so.580.65.06, symlinks
/// followed) and the newest glibc symbol version it needs.</summary>
public sealed record DriverLibrary(string Soname, string HostFile, GlibcNeed? Glibc)
{
    public string FileName => Path.GetFileName(HostFile);
}

/// <summary>A driver library's soname link whose target does not exist (a half-removed driver).</summary>
public sealed record BrokenLibrary(string Link, string Target);

/// <summary>The NVIDIA driver's standard paths, the same on the host and inside.</summary>
public static class NvidiaPaths
{
    public const string Control = "/dev/nvidiactl", DevPrefix = "/dev/nvidia", Caps = "/dev/nvidia-caps";
    public const string Version = "/proc/driver/nvidia/version", GpuInfo = "/proc/driver/nvidia/gpus";

    /// <summary>Control nodes beside nvidiactl: unified memory (CUDA needs it), its tools node, and modeset.</summary>
    public static readonly string[] OtherControls = ["/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"];
}

/// <summary>The AMD GPU stack's standard paths.</summary>
public static class AmdPaths
{
    public const string Kfd = "/dev/kfd", Dri = "/dev/dri", RenderPrefix = "renderD";
    public const string ModuleVersion = "/sys/module/amdgpu/version";
}
