namespace HpcRun.Rdma;

/// <summary>
/// Reads the host's RDMA devices from sysfs, as rdma-core does: /sys/class/infiniband/DEV (the
/// devices and their ports), infiniband_verbs/uverbsN and infiniband_mad/umadN|issmN (their
/// character devices: "ibdev" names the device, "uevent" the DEVNAME under /dev), then checks
/// that each node exists in /dev. Everything is read below a root so tests can fake a host.
/// </summary>
public static class RdmaDiscovery
{
    /// <summary>This host as this process sees it: below HPCRUN_RDMA_ROOT when set (tests), else "/".</summary>
    public static RdmaHost ReadThisHost(IReadOnlyDictionary<string, string> environment) =>
        Read(environment.GetValueOrDefault(RdmaHost.RootVariable) is { Length: > 0 } root ? root : "/",
            MemlockLimit.ReadCurrent());

    /// <summary>Reads the host below <paramref name="root"/>; the memlock limit is given, as it
    /// belongs to the process rather than the tree.</summary>
    public static RdmaHost Read(string root, long? memlockLimit)
    {
        var host = new RdmaHost { Root = root, MemlockLimit = memlockLimit };
        var nodes = ReadNodes(host, RdmaPaths.VerbsClass, "uverbs").Concat(ReadNodes(host, RdmaPaths.MadClass, "umad"))
            .Concat(ReadNodes(host, RdmaPaths.MadClass, "issm")).ToLookup(n => n.Device, n => n.Node);
        RdmaDevice[] devices = [.. Entries(host.HostPath($"{RdmaPaths.SysClass}/{RdmaPaths.DeviceClass}"))
            .Select(dir => new RdmaDevice(Path.GetFileName(dir), ReadPorts(dir), [.. nodes[Path.GetFileName(dir)]]))];
        host = host with
        {
            Devices = devices,
            VisibleDirs = new HashSet<string>(RdmaPaths.ClassDirs.Append(RdmaPaths.DevDir).Where(Directory.Exists)),
        };
        // What only a device is passed with: a host without one (most launches) does not read it.
        return devices.Length == 0 ? host : host with
        {
            HasConnectionManager = File.Exists(host.HostPath(RdmaPaths.ConnectionManager)),
            AbiVersionFiles = new HashSet<string>(RdmaPaths.ClassDirs.Select(RdmaPaths.AbiVersionFile)
                .Where(f => File.Exists(host.HostPath(f)))),
            ProviderConfigs =
                [.. Entries(host.HostPath(RdmaPaths.ProviderConfigDir), "*.driver").Select(f => Path.GetFileName(f))],
            Libraries = HostLibraryReader.Find(host),
        };
    }

    private static IEnumerable<(string Device, RdmaNode Node)> ReadNodes(RdmaHost host, string sysfsClass,
        string prefix)
    {
        foreach (string dir in Entries(host.HostPath($"{RdmaPaths.SysClass}/{sysfsClass}"), prefix + "*"))
        {
            string name = Path.GetFileName(dir);
            if (!name[prefix.Length..].All(char.IsAsciiDigit) || ReadLine(Path.Combine(dir, "ibdev")) is not { } device)
                continue;
            string devPath = "/dev/" + (DevName(Path.Combine(dir, "uevent")) ?? $"infiniband/{name}");
            yield return (device, new RdmaNode(sysfsClass, name, devPath, File.Exists(host.HostPath(devPath))));
        }
    }

    private static RdmaPort[] ReadPorts(string deviceDir) =>
    [
        .. Entries(Path.Combine(deviceDir, "ports"))
            .Where(p => int.TryParse(Path.GetFileName(p), out _))
            .Select(p => new RdmaPort(int.Parse(Path.GetFileName(p)),
                ReadLine(Path.Combine(p, "link_layer")) ?? "unknown",
                // "4: ACTIVE" -> "ACTIVE"
                ReadLine(Path.Combine(p, "state"))?.Split(':').Last().Trim() ?? "unknown"))
            .OrderBy(p => p.Number),
    ];

    /// <summary>DEVNAME from a uevent file ("DEVNAME=infiniband/uverbs0"), relative to /dev.</summary>
    private static string? DevName(string ueventFile) =>
        (ReadAll(ueventFile) ?? "").Split('\n')
            .FirstOrDefault(l => l.StartsWith("DEVNAME=", StringComparison.Ordinal))?["DEVNAME=".Length..].Trim();

    /// <summary>Entries of a directory (class entries are symlinks to directories), in ordinal order, sorted in place:
    /// a LINQ Select on an ordered sequence is a generic virtual call, which costs the launcher NativeAOT's run-time
    /// type loader at every start.</summary>
    private static string[] Entries(string dir, string pattern = "*")
    {
        if (!Directory.Exists(dir)) return [];
        string[] entries = Directory.GetFileSystemEntries(dir, pattern);
        Array.Sort(entries, StringComparer.Ordinal);
        return entries;
    }

    private static string? ReadLine(string file) => ReadAll(file)?.Trim();

    private static string? ReadAll(string file)
    {
        try { return File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
