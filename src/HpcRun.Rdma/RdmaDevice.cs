namespace HpcRun.Rdma;

/// <summary>One RDMA device (an HCA such as mlx5_0, or a RoCE NIC), as sysfs describes it.</summary>
public sealed record RdmaDevice(string Name, IReadOnlyList<RdmaPort> Ports, IReadOnlyList<RdmaNode> Nodes)
{
    /// <summary>InfiniBand, RoCE (Ethernet link layer) or both, for reports.</summary>
    public string Transport => string.Join('+',
        Ports.Select(p => p.LinkLayer == "Ethernet" ? "RoCE" : p.LinkLayer).Distinct().DefaultIfEmpty("unknown"));
}

/// <summary>A port of a device: its number, "InfiniBand" or "Ethernet", and state ("ACTIVE", "DOWN").</summary>
public sealed record RdmaPort(int Number, string LinkLayer, string State)
{
    public bool IsActive => State == "ACTIVE";
}

/// <summary>
/// A character device of an RDMA device (verbs: uverbsN; management: umadN, issmN), with
/// the sysfs class entry that names it (e.g. infiniband_verbs/uverbs0) and its /dev path.
/// </summary>
public sealed record RdmaNode(string SysfsClass, string Name, string DevPath, bool Present)
{
    /// <summary>The class entry's path, e.g. /sys/class/infiniband_verbs/uverbs0.</summary>
    public string SysfsPath => $"{RdmaPaths.SysClass}/{SysfsClass}/{Name}";
}

/// <summary>The standard locations, the same inside the container and on the host.</summary>
public static class RdmaPaths
{
    public const string DevDir = "/dev/infiniband";
    public const string ConnectionManager = "/dev/infiniband/rdma_cm";
    public const string SysClass = "/sys/class";
    public const string DeviceClass = "infiniband", VerbsClass = "infiniband_verbs", MadClass = "infiniband_mad";
    public const string ProviderConfigDir = "/etc/libibverbs.d";

    /// <summary>Directories that show every device: hidden (tmpfs) when only some are chosen.</summary>
    public static readonly string[] ClassDirs =
        [$"{SysClass}/{DeviceClass}", $"{SysClass}/{VerbsClass}", $"{SysClass}/{MadClass}"];

    /// <summary>A class directory's ABI version file, which libibverbs and libibumad read before any device.</summary>
    public static string AbiVersionFile(string classDir) => $"{classDir}/abi_version";
}
