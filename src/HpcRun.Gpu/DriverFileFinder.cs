using HpcRun.HostLibraries;

namespace HpcRun.Gpu;

/// <summary>
/// Finds a driver's user-space files on the host: each library through the host's ld.so.cache,
/// else in the usual driver directories (/usr/local/nvidia/lib64 of NVIDIA's container hosts,
/// the multiarch and lib64 directories), followed through its soname link to the real file.
/// </summary>
internal static class DriverFileFinder
{
    private static readonly string[] LibraryDirs = ["/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu",
        "/usr/lib64", "/usr/lib/aarch64-linux-gnu", "/usr/lib/x86_64-linux-gnu/nvidia/current", "/usr/lib"];

    private static readonly string[] ProgramDirs = ["/usr/local/nvidia/bin", "/usr/bin", "/usr/local/bin", "/bin"];

    public static DriverFiles Find(GpuHost host, DriverList list)
    {
        IReadOnlyList<KeyValuePair<string, string>> cache = ReadCache(host);
        var libraries = new List<DriverLibrary>();
        var broken = new List<BrokenLibrary>();
        foreach (string stem in list.LibraryStems)
        {
            if (SonameLink(host, cache, stem) is not var (name, link)) continue;
            if (Resolve(host, link) is not { } file)
            {
                broken.Add(new BrokenLibrary(link, LinkTarget(host, link) ?? "?"));
                continue;
            }
            // Mapped, not read: driver libraries weigh tens of megabytes, their loader tables a few pages.
            ElfFile? elf = HostLibraryFiles.ReadElf(host.HostPath(file));
            libraries.Add(new DriverLibrary(elf?.Soname ?? name, file, elf is null ? null : GlibcNeed.Of(elf, file)));
        }
        string[] programs = [.. list.Programs.Select(p => ProgramDirs.Select(d => $"{d}/{p}")
            .FirstOrDefault(path => File.Exists(host.HostPath(path)))).OfType<string>()];
        string[] configs = [.. list.ConfigFiles.Where(f => File.Exists(host.HostPath(f)))];
        return new DriverFiles(libraries, programs, configs, broken);
    }

    private static IReadOnlyList<KeyValuePair<string, string>> ReadCache(GpuHost host)
    {
        if (HostLibraryFiles.Instance.Read(host.HostPath(LdSoCache.DefaultPath)) is not { } bytes) return [];
        try { return LdSoCache.Parse(bytes, LdSoCache.NativeFlags); }
        catch (FormatException) { return []; }  // a damaged cache: the driver directories still serve
    }

    /// <summary>The soname (stem.so.N) and the path the loader would open for it: the cache's first entry, else
    /// the first driver directory holding stem.so.N, else one holding a versioned file only
    /// (stem.so.580.65.06, whose soname link is missing: its name then, its ELF soname later).</summary>
    private static (string Soname, string Link)? SonameLink(GpuHost host,
        IReadOnlyList<KeyValuePair<string, string>> cache, string stem)
    {
        foreach (var (soname, path) in cache)
            if (IsSoname(soname, stem)) return (soname, path);
        foreach (string dir in LibraryDirs)
        {
            string hostDir = host.HostPath(dir);
            if (!Directory.Exists(hostDir)) continue;
            string[] names = [.. Directory.EnumerateFileSystemEntries(hostDir, stem + ".so.*")
                .Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
            if (names.FirstOrDefault(n => IsSoname(n, stem)) is { } name) return (name, $"{dir}/{name}");
            if (names.FirstOrDefault(n => LibraryVersion.FromFileName(n)?.Stem == stem) is { } versioned)
                return (versioned, $"{dir}/{versioned}");
        }
        return null;
    }

    private static bool IsSoname(string name, string stem) =>
        name.StartsWith(stem + ".so.", StringComparison.Ordinal)
        && name[(stem.Length + 4)..] is { Length: > 0 } major && major.All(char.IsAsciiDigit);

    /// <summary>The real file behind <paramref name="path"/> (symlinks followed, an absolute target read below the
    /// root as the host would), or null when a link leads nowhere.</summary>
    private static string? Resolve(GpuHost host, string path)
    {
        string current = path;
        for (int hops = 0; hops < 32; hops++)
        {
            if (LinkTarget(host, current) is not { } target)
                return File.Exists(host.HostPath(current)) ? current : null;
            current = Path.GetFullPath(target, Path.GetDirectoryName(current)!);
        }
        return null;
    }

    private static string? LinkTarget(GpuHost host, string path)
    {
        try { return new FileInfo(host.HostPath(path)).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
