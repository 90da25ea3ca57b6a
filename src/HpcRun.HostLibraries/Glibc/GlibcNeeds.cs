namespace HpcRun.HostLibraries;

/// <summary>glibc's own libraries: a host library brought into an image is run by the image's
/// glibc, so these are never brought in, and what a library needs of them is checked instead.</summary>
public static class Glibc
{
    /// <summary>The sonames glibc installs (libc, libm, libpthread ..., the loaders of x86_64 and aarch64).</summary>
    public static readonly string[] Sonames = ["libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
        "libresolv.so.2", "libutil.so.1", "libanl.so.1", "libmvec.so.1", "libnsl.so.1", "libBrokenLocale.so.1",
        "libthread_db.so.1", "libc_malloc_debug.so.0", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"];
}

/// <summary>The newest glibc symbol version (GLIBC_x.y) a host library needs, and which library needs it.</summary>
public sealed record GlibcNeed(GlibcVersion Version, string Library)
{
    /// <summary>The newest GLIBC_x.y that <paramref name="elf"/> needs from any of glibc's libraries
    /// (its SHT_GNU_verneed entries); null when it needs none.</summary>
    /// <param name="library">The file's path, named in messages.</param>
    public static GlibcNeed? Of(ElfFile elf, string library) =>
        GlibcVersion.Max(elf.VersionNeeds.Where(v => Glibc.Sonames.Contains(v.Library)).Select(v => v.Version))
            is { } version ? new GlibcNeed(version, library) : null;
}

/// <summary>The image's glibc: the newest GLIBC_x.y its libc.so.6 defines, and that file's path in the image.</summary>
public sealed record ImageGlibc(GlibcVersion Version, string Path)
{
    /// <summary>Where distributions put libc.so.6 (Debian/Ubuntu multiarch, RHEL/SUSE, others),
    /// looked at after the image's ld.so.cache.</summary>
    private static readonly string[] LibcFallbacks = ["/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib64/libc.so.6", "/lib/libc.so.6"];

    /// <summary>The first libc.so.6 of the image that is an ELF file defining GLIBC_x.y versions (its
    /// SHT_GNU_verdef entries): the cache's entries first, then the usual paths; null when there is
    /// none (a static or musl image).</summary>
    /// <param name="cache">The image's ld.so.cache entries (<see cref="LdSoCache.Parse"/>); empty when it
    /// has none.</param>
    public static ImageGlibc? Find(ILibraryFiles image, IReadOnlyList<KeyValuePair<string, string>> cache)
    {
        foreach (string path in cache.Where(e => e.Key == "libc.so.6").Select(e => e.Value).Concat(LibcFallbacks))
        {
            if (image.Canonical(path) is not { } real || image.Read(real) is not { } bytes) continue;
            if (ElfFile.TryParse(bytes) is { } elf && GlibcVersion.Max(elf.VersionDefinitions) is { } version)
                return new ImageGlibc(version, real);
        }
        return null;
    }
}
