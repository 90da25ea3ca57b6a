using HpcRun.HostLibraries;

namespace HpcRun.Rdma;

/// <summary>
/// Decides what a job sees of the host's RDMA stack (pure: reads only what it is given).
/// The container has the host's /dev and /sys, so the planner hides /dev/infiniband behind a
/// tmpfs and binds back the chosen devices' nodes (read-write) and rdma_cm; when only some
/// devices are chosen it does the same for the sysfs class directories, so libibverbs lists
/// only those. The host's provider configuration and libraries come in when the image has
/// none (or --rdma-libs=host) and the image's glibc can run them.
/// </summary>
public static class RdmaPlanner
{
    /// <summary>Where the host's verbs libraries appear inside (first on LD_LIBRARY_PATH).</summary>
    public const string LibraryDir = "/opt/hpcrun/rdma/lib";

    /// <param name="imageHas">Whether the container already has a path (the image or an earlier mount).</param>
    /// <param name="imageGlibc">The image's glibc (asked only when host libraries would be added).</param>
    /// <exception cref="RdmaDeviceNotFoundException">A named device does not exist.</exception>
    public static RdmaPlan Plan(RdmaHost host, RdmaSelection selection, RdmaLibraries libraries,
        Func<string, bool> imageHas, Func<ImageGlibc?> imageGlibc)
    {
        CheckNamesExist(host, selection);
        RdmaDevice[] chosen = [.. host.Devices.Where(d => selection.Includes(d.Name))];
        var mounts = new List<RdmaMount>();
        var warnings = new List<string>();
        DeviceNodes(host, chosen, mounts, warnings);
        if (chosen.Length < host.Devices.Count) SysfsEntries(host, chosen, mounts);
        string? libraryPath = null;
        if (chosen.Length > 0)
        {
            if (libraries == RdmaLibraries.Host
                || (libraries == RdmaLibraries.Auto && !imageHas(RdmaPaths.ProviderConfigDir)))
                libraryPath = HostLibraries(host, mounts, warnings, imageGlibc);
            if (MemlockLimit.Warning(host.MemlockLimit) is { } memlock) warnings.Add(memlock);
        }
        return new RdmaPlan(mounts, libraryPath, warnings);
    }

    /// <summary>Refuses a device <paramref name="selection"/> names that <paramref name="host"/> lacks: the launch's
    /// only refusal of a selection (a doctor checks it without an image).</summary>
    /// <exception cref="RdmaDeviceNotFoundException">A named device does not exist.</exception>
    public static void CheckNamesExist(RdmaHost host, RdmaSelection selection)
    {
        string[] missing = [.. (selection.Names ?? []).Where(n => host.Devices.All(d => d.Name != n))];
        if (missing.Length == 0) return;
        string available = host.Devices.Count == 0 ? "this host has none"
            : "available: " + string.Join(", ", host.Devices.Select(d => d.Name));
        throw new RdmaDeviceNotFoundException($"RDMA device {string.Join(", ", missing)} not found ({available})");
    }

    private static void DeviceNodes(RdmaHost host, RdmaDevice[] chosen, List<RdmaMount> mounts, List<string> warnings)
    {
        if (!host.VisibleDirs.Contains(RdmaPaths.DevDir))
        {
            // Only a test root can have devices that the real /dev lacks.
            if (chosen.Length > 0) warnings.Add($"cannot pass RDMA devices: this host has no {RdmaPaths.DevDir}");
            return;
        }
        mounts.Add(RdmaMount.Hide(RdmaPaths.DevDir));
        foreach (RdmaNode node in chosen.SelectMany(d => d.Nodes).Where(n => n.Present))
            mounts.Add(new RdmaMount(node.DevPath, host.HostPath(node.DevPath)));
        if (chosen.Length > 0 && host.HasConnectionManager)
            mounts.Add(new RdmaMount(RdmaPaths.ConnectionManager, host.HostPath(RdmaPaths.ConnectionManager)));
    }

    /// <summary>Each class directory shows only the chosen devices, plus its abi_version file
    /// (libibverbs and libibumad refuse to work without it).</summary>
    private static void SysfsEntries(RdmaHost host, RdmaDevice[] chosen, List<RdmaMount> mounts)
    {
        foreach (string dir in RdmaPaths.ClassDirs.Where(host.VisibleDirs.Contains))
        {
            mounts.Add(RdmaMount.Hide(dir));
            string abi = RdmaPaths.AbiVersionFile(dir);
            if (host.AbiVersionFiles.Contains(abi)) mounts.Add(new RdmaMount(abi, host.HostPath(abi), ReadOnly: true));
            IEnumerable<string> entries = dir.EndsWith("/" + RdmaPaths.DeviceClass, StringComparison.Ordinal)
                ? chosen.Select(d => $"{dir}/{d.Name}")
                : chosen.SelectMany(d => d.Nodes).Select(n => n.SysfsPath)
                    .Where(p => p.StartsWith(dir + "/", StringComparison.Ordinal));
            foreach (string entry in entries) mounts.Add(new RdmaMount(entry, host.HostPath(entry), ReadOnly: true));
        }
    }

    /// <summary>Binds the host's provider configs and libraries; returns the
    /// directory for LD_LIBRARY_PATH, if any.</summary>
    private static string? HostLibraries(RdmaHost host, List<RdmaMount> mounts, List<string> warnings,
        Func<ImageGlibc?> imageGlibc)
    {
        if (host.ProviderConfigs.Count > 0)
            mounts.Add(new RdmaMount(RdmaPaths.ProviderConfigDir, host.HostPath(RdmaPaths.ProviderConfigDir),
                ReadOnly: true));
        if (host.Libraries is not { } libraries) return null;
        if (imageGlibc() is not { } provided)
        {
            warnings.Add("the image has no glibc (static or musl): "
                + "the host's verbs libraries cannot run in it and were not added");
            return null;
        }
        if (libraries.RequiredGlibc is { } required && required.Version > provided.Version)
        {
            warnings.Add($"the host's verbs library {required.Library} needs glibc {required.Version} "
                + $"but the image's is {provided.Version}: the host's verbs libraries were not added "
                + "(use an image with a newer glibc, or one with its own rdma-core and --rdma-libs=image)");
            return null;
        }
        // Providers too, one file each: libibverbs falls back to finding libNAME-rdmavABI.so on
        // LD_LIBRARY_PATH, and a bound provider directory would hold symlinks into host paths
        // (libmlx5-rdmav34.so -> ../libmlx5.so.1.24.44.0) that the image lacks.
        foreach (string library in libraries.CoreLibraries.Concat(libraries.Providers))
            mounts.Add(new RdmaMount($"{LibraryDir}/{Path.GetFileName(library)}", host.HostPath(library),
                ReadOnly: true));
        return LibraryDir;
    }
}
