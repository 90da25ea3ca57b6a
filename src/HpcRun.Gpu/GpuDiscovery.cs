namespace HpcRun.Gpu;

/// <summary>
/// Reads the host's GPUs below a root so tests can fake a host. A host without GPUs costs two
/// failed stats (/dev/nvidiactl, /dev/kfd); the driver's files, its ld.so.cache and the GPUs'
/// /proc entries are read only when a vendor's control node is there.
/// </summary>
public static class GpuDiscovery
{
    /// <summary>This host as this process sees it: below HPCRUN_GPU_ROOT when set (tests), else "/".</summary>
    public static GpuHost ReadThisHost(IReadOnlyDictionary<string, string> environment) =>
        Read(environment.GetValueOrDefault(GpuHost.RootVariable) is { Length: > 0 } root ? root : "/");

    public static GpuHost Read(string root)
    {
        var host = new GpuHost { Root = root };
        bool nvidia = File.Exists(host.HostPath(NvidiaPaths.Control)), amd = File.Exists(host.HostPath(AmdPaths.Kfd));
        if (!nvidia && !amd) return host;
        host = host with
        {
            Nvidia = nvidia ? ReadNvidia(host) : null,
            Amd = amd ? ReadAmd(host) : null,
        };
        IEnumerable<string> mountable = (host.Nvidia?.ControlNodes ?? [])
            .Concat(host.Nvidia?.Gpus.Select(g => g.DevPath) ?? [])
            .Concat(host.Amd is { } a ? a.RenderNodes.Concat(a.OtherNodes).Append(AmdPaths.Kfd) : [])
            .Append(NvidiaPaths.GpuInfo);
        // A test root's nodes are not in the real /dev, where the container's come from.
        return host with { VisiblePaths = new HashSet<string>(mountable.Where(Path.Exists)) };
    }

    private static NvidiaHost ReadNvidia(GpuHost host)
    {
        DriverFiles files = DriverFileFinder.Find(host, DriverList.Nvidia);
        string? version = ModuleVersion(ReadAll(host.HostPath(NvidiaPaths.Version)))
            ?? files.Libraries.FirstOrDefault(l => l.Soname == "libcuda.so.1")?.FileName["libcuda.so.".Length..];
        string[] controls = [.. NvidiaPaths.OtherControls.Prepend(NvidiaPaths.Control).Append(NvidiaPaths.Caps)
            .Where(p => Path.Exists(host.HostPath(p)))];
        return new NvidiaHost(version, ReadGpus(host), controls, files);
    }

    /// <summary>The kernel module's version from /proc/driver/nvidia/version's first line ("NVRM version: NVIDIA UNIX
    /// Open Kernel Module for x86_64  580.65.06  Release Build ..."): its first word that is a dotted number.</summary>
    public static string? ModuleVersion(string? text) =>
        text?.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(w => w.Contains('.') && w.Split('.').All(p => p.Length > 0 && p.All(char.IsAsciiDigit)));

    /// <summary>The GPUs the driver shows in /proc/driver/nvidia/gpus/BUS/information, with those /dev/nvidiaN nodes
    /// name that it does not (a host whose /proc was not read), by minor.</summary>
    private static NvidiaGpu[] ReadGpus(GpuHost host)
    {
        var gpus = new Dictionary<int, NvidiaGpu>();
        foreach (string dir in Entries(host.HostPath(NvidiaPaths.GpuInfo), "*"))
        {
            var fields = (ReadAll(Path.Combine(dir, "information")) ?? "").Split('\n')
                .Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
            if (int.TryParse(fields.GetValueOrDefault("Device Minor"), out int minor))
                gpus[minor] = new NvidiaGpu(minor, fields.GetValueOrDefault("GPU UUID"),
                    fields.GetValueOrDefault("Bus Location") ?? Path.GetFileName(dir),
                    fields.GetValueOrDefault("Model"));
        }
        foreach (string node in Entries(host.HostPath("/dev"), "nvidia*"))
            if (int.TryParse(Path.GetFileName(node)["nvidia".Length..], System.Globalization.NumberStyles.None, null,
                out int minor) && !gpus.ContainsKey(minor))
                gpus[minor] = new NvidiaGpu(minor);
        return [.. gpus.Values.OrderBy(g => g.Minor)];
    }

    private static AmdHost ReadAmd(GpuHost host)
    {
        string[] nodes = [.. Entries(host.HostPath(AmdPaths.Dri), "*")
            .Select(p => $"{AmdPaths.Dri}/{Path.GetFileName(p)}")
            .Where(p => !Directory.Exists(host.HostPath(p)))];
        string[] render = [.. nodes.Where(IsRenderNode).OrderBy(p => int.Parse(p[(p.LastIndexOf('D') + 1)..]))];
        return new AmdHost(ReadAll(host.HostPath(AmdPaths.ModuleVersion))?.Trim(), render,
            [.. nodes.Where(n => !render.Contains(n))], DriverFileFinder.Find(host, DriverList.Amd));
    }

    private static bool IsRenderNode(string path) =>
        Path.GetFileName(path) is var name && name.StartsWith(AmdPaths.RenderPrefix, StringComparison.Ordinal)
        && name[AmdPaths.RenderPrefix.Length..] is { Length: > 0 } number && number.All(char.IsAsciiDigit);

    private static IEnumerable<string> Entries(string dir, string pattern) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, pattern).Order(StringComparer.Ordinal) : [];

    private static string? ReadAll(string file)
    {
        try { return File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
