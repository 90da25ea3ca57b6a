namespace HpcRun.Gpu;

/// <summary>
/// The files of a GPU driver's user space that come from the host, because they must match its
/// kernel module: libraries by soname stem, programs, and configuration files that name them.
/// </summary>
public sealed record DriverList(IReadOnlyList<string> LibraryStems, IReadOnlyList<string> Programs,
    IReadOnlyList<string> ConfigFiles)
{
    /// <summary>
    /// The NVIDIA driver's libraries as libnvidia-container's library lists group them (utility,
    /// compute, video, graphics) and Apptainer's nvliblist.conf names them; the vendor-neutral GL
    /// dispatch libraries (libGL, libEGL, libGLX of glvnd) stay the image's. Programs: nvidia-smi and
    /// nvidia-debugdump (not the persistence daemon, a host service). Configuration: the OpenCL,
    /// Vulkan and EGL vendor files, which name libraries the loader finds on LD_LIBRARY_PATH.
    /// </summary>
    public static DriverList Nvidia { get; } = new(
    [
        "libnvidia-ml", "libnvidia-cfg",
        "libcuda", "libcudadebugger", "libnvidia-ptxjitcompiler", "libnvidia-nvvm", "libnvidia-gpucomp",
        "libnvidia-opencl", "libnvidia-allocator", "libnvidia-pkcs11", "libnvidia-pkcs11-openssl3",
        "libnvidia-fatbinaryloader", "libnvidia-compiler",
        "libnvcuvid", "libnvidia-encode", "libnvidia-opticalflow", "libvdpau_nvidia",
        "libnvidia-eglcore", "libnvidia-glcore", "libnvidia-tls", "libnvidia-glsi", "libnvidia-fbc",
        "libnvidia-rtcore", "libnvoptix", "libGLX_nvidia", "libEGL_nvidia", "libGLESv2_nvidia",
        "libGLESv1_CM_nvidia", "libnvidia-glvkspirv", "libnvidia-cbl", "libnvidia-ngx",
    ],
    ["nvidia-smi", "nvidia-debugdump"],
    [
        "/etc/OpenCL/vendors/nvidia.icd", "/usr/share/vulkan/icd.d/nvidia_icd.json",
        "/etc/vulkan/icd.d/nvidia_icd.json", "/usr/share/vulkan/implicit_layer.d/nvidia_layers.json",
        "/usr/share/glvnd/egl_vendor.d/10_nvidia.json",
    ]);

    /// <summary>
    /// The AMD stack's kernel-facing libraries: libdrm and libdrm_amdgpu (the amdgpu DRM interface)
    /// and libhsakmt (the KFD interface, a shared library before ROCm 6.2). The HIP and HSA runtimes
    /// and the math libraries are the image's, as in AMD's own containers; Apptainer's
    /// rocmliblist.conf binds those too, which works only where host and image ROCm agree.
    /// </summary>
    public static DriverList Amd { get; } = new(["libdrm_amdgpu", "libdrm", "libhsakmt"], [], []);
}
