namespace HpcRun.Mpi;

/// <summary>The image's MPI installations and its glibc, as seen through <see cref="ILibraryFiles"/>.</summary>
public sealed record ImageMpi(IReadOnlyList<MpiInstallation> Installations, ImageGlibc? Glibc)
{
    private static readonly string[] LibcFallbacks = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib64/libc.so.6", "/lib/libc.so.6"];

    /// <param name="libraryPath">The image's LD_LIBRARY_PATH directories: MPI installed outside the
    /// loader's cache (under /opt) is found there by its well-known sonames.</param>
    public static ImageMpi Read(ILibraryFiles image, IEnumerable<string> libraryPath)
    {
        IReadOnlyList<KeyValuePair<string, string>> cache = [];
        if (image.Read(LdSoCache.DefaultPath) is { } bytes)
        {
            try { cache = LdSoCache.Parse(bytes, LdSoCache.NativeFlags); }
            catch (FormatException) { }  // a foreign or damaged cache: fall back to well-known paths
        }
        var probed = libraryPath.SelectMany(dir => MpiDiscovery.WellKnownSonames.Select(s => KeyValuePair.Create(s, $"{dir.TrimEnd('/')}/{s}")));
        return new ImageMpi(MpiDiscovery.Find(probed.Concat(cache), image), FindGlibc(image, cache));
    }

    private static ImageGlibc? FindGlibc(ILibraryFiles image, IReadOnlyList<KeyValuePair<string, string>> cache)
    {
        var paths = cache.Where(e => e.Key == "libc.so.6").Select(e => e.Value).Concat(LibcFallbacks);
        foreach (string path in paths)
        {
            if (image.Canonical(path) is not { } real || image.Read(real) is not { } bytes) continue;
            if (MpiDiscovery.TryParse(bytes) is { } elf && GlibcVersion.Max(elf.VersionDefinitions) is { } version)
                return new ImageGlibc(version, real);
        }
        return null;
    }
}
