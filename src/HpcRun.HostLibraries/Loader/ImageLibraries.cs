namespace HpcRun.HostLibraries;

/// <summary>
/// What an image's dynamic loader offers host libraries brought into it: its ld.so.cache
/// entries and its glibc. Both host MPI and RDMA injection ask, so a launch reads them once.
/// </summary>
/// <param name="Cache">(soname, path) pairs for this machine's ABI, in cache order; empty when the
/// image has no /etc/ld.so.cache, or a foreign or damaged one.</param>
/// <param name="Glibc">The image's glibc; null for a static or musl image.</param>
public sealed record ImageLibraries(IReadOnlyList<KeyValuePair<string, string>> Cache, ImageGlibc? Glibc)
{
    /// <summary>Reads /etc/ld.so.cache and libc.so.6 through <paramref name="image"/>.</summary>
    public static ImageLibraries Read(ILibraryFiles image)
    {
        IReadOnlyList<KeyValuePair<string, string>> cache = [];
        if (image.Read(LdSoCache.DefaultPath) is { } bytes)
        {
            try { cache = LdSoCache.Parse(bytes, LdSoCache.NativeFlags); }
            catch (FormatException) { }  // a foreign or damaged cache: the well-known paths still serve
        }
        return new ImageLibraries(cache, ImageGlibc.Find(image, cache));
    }
}
