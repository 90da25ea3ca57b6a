using HpcRun.HostLibraries;

namespace HpcRun.Rdma;

/// <summary>
/// What the host has for RDMA, read once by <see cref="RdmaDiscovery"/>. <see cref="Root"/> is
/// where the host's /sys, /dev and /etc were read ("/" except in tests, HPCRUN_RDMA_ROOT);
/// the container paths are always the standard ones.
/// </summary>
public sealed record RdmaHost
{
    public const string RootVariable = "HPCRUN_RDMA_ROOT";

    public static RdmaHost Nothing { get; } = new();

    public string Root { get; init; } = "/";
    public IReadOnlyList<RdmaDevice> Devices { get; init; } = [];
    /// <summary>Whether /dev/infiniband/rdma_cm (shared by all devices) exists. This, <see cref="AbiVersionFiles"/>,
    /// <see cref="ProviderConfigs"/> and <see cref="Libraries"/> are read only for a host with a device (what is
    /// passed with one), and left empty for a host without.</summary>
    public bool HasConnectionManager { get; init; }
    /// <summary>Of the sysfs class directories' abi_version files (/sys/class/infiniband_verbs/abi_version ...),
    /// those the host has, by container path.</summary>
    public IReadOnlySet<string> AbiVersionFiles { get; init; } = new HashSet<string>();
    /// <summary>Of /dev/infiniband and the sysfs class directories, those the container sees
    /// through its host /dev and /sys (read at the real "/", where mounts can be placed).</summary>
    public IReadOnlySet<string> VisibleDirs { get; init; } = new HashSet<string>();
    /// <summary>The host's *.driver files in /etc/libibverbs.d, by name; empty when it has none.</summary>
    public IReadOnlyList<string> ProviderConfigs { get; init; } = [];
    public HostVerbsLibraries? Libraries { get; init; }
    /// <summary>RLIMIT_MEMLOCK soft limit in bytes; null when unlimited.</summary>
    public long? MemlockLimit { get; init; }

    /// <summary>Where a host path was read: <paramref name="path"/> under <see cref="Root"/>.</summary>
    public string HostPath(string path) => Root == "/" ? path : Root.TrimEnd('/') + path;
}

/// <summary>
/// The host's rdma-core user-space libraries: the core libraries (libibverbs, librdmacm ...) in
/// <see cref="LibraryDir"/> and the provider plugins (LibraryDir/libibverbs/libNAME-rdmavABI.so),
/// with the highest glibc symbol version any of them needs.
/// </summary>
public sealed record HostVerbsLibraries(string LibraryDir, IReadOnlyList<string> CoreLibraries,
    IReadOnlyList<string> Providers, GlibcNeed? RequiredGlibc);
