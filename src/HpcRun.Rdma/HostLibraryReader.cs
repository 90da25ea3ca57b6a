using HpcRun.HostLibraries;

namespace HpcRun.Rdma;

/// <summary>Finds the host's rdma-core libraries and the glibc they need.</summary>
internal static class HostLibraryReader
{
    /// <summary>Library directories, Debian/Ubuntu multiarch first, then RHEL/SUSE.</summary>
    private static readonly string[] LibraryDirs =
        ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib"];

    /// <summary>The verbs stack: libibverbs loads the providers, which use the direct-verbs
    /// libraries (libmlx5 ...); libibverbs itself needs libnl.</summary>
    private static readonly string[] CoreNames =
        ["libibverbs.so.1", "librdmacm.so.1", "libibumad.so.3", "libmlx5.so.1", "libmlx4.so.1", "libefa.so.1",
            "libnl-3.so.200", "libnl-route-3.so.200"];

    public static HostVerbsLibraries? Find(RdmaHost host)
    {
        string? dir = LibraryDirs.FirstOrDefault(d => File.Exists(host.HostPath($"{d}/libibverbs.so.1")));
        if (dir is null) return null;
        string[] core = [.. CoreNames.Select(n => $"{dir}/{n}").Where(p => File.Exists(host.HostPath(p)))];
        string providerDir = $"{dir}/libibverbs";
        string[] providers = Directory.Exists(host.HostPath(providerDir))
            ? [.. Directory.EnumerateFiles(host.HostPath(providerDir), "*.so")
                .Select(f => $"{providerDir}/{Path.GetFileName(f)}").Order(StringComparer.Ordinal)]
            : [];
        GlibcNeed? required = core.Concat(providers).Select(p => NeededGlibc(host, p)).OfType<GlibcNeed>()
            .MaxBy(n => n.Version);
        return new HostVerbsLibraries(dir, core, providers, required);
    }

    /// <summary>The newest GLIBC_x.y the library needs from glibc's own libraries,
    /// as host MPI injection reads it.</summary>
    private static GlibcNeed? NeededGlibc(RdmaHost host, string library) =>
        HostLibraryFiles.Instance.Read(host.HostPath(library)) is { } bytes && ElfFile.TryParse(bytes) is { } elf
            ? GlibcNeed.Of(elf, library) : null;
}
