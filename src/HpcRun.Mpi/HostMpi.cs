using HpcRun.HostLibraries;

namespace HpcRun.Mpi;

/// <summary>One host MPI ready to inject: its libraries, the libraries they need (outside glibc,
/// which stays the image's), and the newest glibc they need.</summary>
public sealed record HostMpiStack(MpiInstallation Installation, IReadOnlyList<HostLibrary> Dependencies,
    GlibcNeed? Glibc,
    IReadOnlyList<string> Unresolved);

/// <summary>A host library to bind: the soname the loader looks for, and the real file.</summary>
public sealed record HostLibrary(string Soname, string RealPath);

/// <summary>The host's MPI installations (<see cref="HostMpiReader"/>), and extra host paths they need
/// (configuration files, plugin directories) bound at the same place.</summary>
public sealed record HostMpi(IReadOnlyList<HostMpiStack> Stacks, IReadOnlyList<string> ExtraBinds);

/// <summary>
/// Finds the host's MPI: the libraries named by HPCRUN_MPI_LIBS (colon-separated, as Sarus'
/// MPI_LIBS) or else every MPI in the host's ld.so.cache; follows DT_NEEDED through RUNPATH and
/// the cache to collect dependency libraries. HPCRUN_MPI_BIND lists extra paths to bind.
/// </summary>
public static class HostMpiReader
{
    public const string LibsVariable = "HPCRUN_MPI_LIBS", BindVariable = "HPCRUN_MPI_BIND";

    public static HostMpi Read(IReadOnlyDictionary<string, string> environment, ILibraryFiles files, byte[]? ldCache)
    {
        IReadOnlyList<KeyValuePair<string, string>> cache =
            ldCache is null ? [] : LdSoCache.Parse(ldCache, LdSoCache.NativeFlags);
        IEnumerable<KeyValuePair<string, string>> candidates =
            environment.GetValueOrDefault(LibsVariable) is { Length: > 0 } configured
            ? Split(configured).Select(path => KeyValuePair.Create(ConfiguredSoname(path, files), path))
            : cache;
        var stacks = MpiDiscovery.Find(candidates, files).Select(i => Resolve(i, cache, files)).ToList();
        return new HostMpi(stacks, ExtraBinds(environment));
    }

    /// <summary>The host's MPI as this machine has it: its own files and /etc/ld.so.cache.</summary>
    public static HostMpi ReadHost(IReadOnlyDictionary<string, string> environment) =>
        Read(environment, HostLibraryFiles.Instance, HostLibraryFiles.Instance.Read(LdSoCache.DefaultPath));

    /// <summary>HPCRUN_MPI_BIND's paths.</summary>
    public static IReadOnlyList<string> ExtraBinds(IReadOnlyDictionary<string, string> environment) =>
        [.. Split(environment.GetValueOrDefault(BindVariable) ?? "")];

    private static IEnumerable<string> Split(string list) =>
        list.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A configured path's soname: its DT_SONAME, else what its file name implies.</summary>
    private static string ConfiguredSoname(string path, ILibraryFiles files) =>
        (files.Canonical(path) is { } real && files.Read(real) is { } bytes ? ElfFile.TryParse(bytes)?.Soname : null)
        ?? LibraryVersion.FromFileName(path)?.Soname ?? Path.GetFileName(path);

    /// <summary>Walks DT_NEEDED from the MPI libraries, breadth first.</summary>
    private static HostMpiStack Resolve(MpiInstallation installation, IReadOnlyList<KeyValuePair<string, string>> cache,
        ILibraryFiles files)
    {
        var seen = new HashSet<string>(installation.Libraries.Select(l => l.Soname));
        var queue = new Queue<(string Soname, string RealPath)>(
            installation.Libraries.Select(l => (l.Soname, l.RealPath)));
        var dependencies = new List<HostLibrary>();
        var unresolved = new List<string>();
        GlibcNeed? glibc = null;
        while (queue.TryDequeue(out var library))
        {
            if (files.Read(library.RealPath) is not { } bytes || ElfFile.TryParse(bytes) is not { } elf)
            {
                unresolved.Add(library.RealPath);
                continue;
            }
            if (GlibcNeed.Of(elf, library.RealPath) is { } needed && (glibc is null || needed.Version > glibc.Version))
                glibc = needed;
            foreach (string soname in elf.Needed)
            {
                if (Glibc.Sonames.Contains(soname) || !seen.Add(soname)) continue;
                if (Locate(soname, elf, library.RealPath, cache, files) is { } real)
                {
                    dependencies.Add(new HostLibrary(soname, real));
                    queue.Enqueue((soname, real));
                }
                else unresolved.Add(soname);
            }
        }
        return new HostMpiStack(installation, dependencies, glibc, unresolved);
    }

    /// <summary>Where the loader would find <paramref name="soname"/> for <paramref name="elf"/>: its RUNPATH
    /// ($ORIGIN expanded), then the cache.</summary>
    private static string? Locate(string soname, ElfFile elf, string path,
        IReadOnlyList<KeyValuePair<string, string>> cache, ILibraryFiles files)
    {
        string origin = Path.GetDirectoryName(path)!;
        foreach (string dir in Split(elf.RunPath ?? ""))
            if (files.Canonical(
                Path.Combine(dir.Replace("$ORIGIN", origin).Replace("${ORIGIN}", origin), soname)) is { } found)
                return found;
        return cache.Where(e => e.Key == soname).Select(e => files.Canonical(e.Value))
            .FirstOrDefault(p => p is not null);
    }
}
