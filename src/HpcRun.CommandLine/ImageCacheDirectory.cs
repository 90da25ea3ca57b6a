using HpcRun.Image.Registry;

namespace HpcRun.CommandLine;

/// <summary>Where the image cache of `hpcrun docker://REF`, pull, cache and recipe builds is
/// (<see cref="ImageCache.DirectoryFrom"/>), with hpcrun's statuses: the launcher and hpcrun-tools find it
/// alike.</summary>
public static class ImageCacheDirectory
{
    /// <summary>The cache's directory; null when no variable names one.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) when the variable that decides is a
    /// relative path.</exception>
    public static string? Find(Func<string, string?> environment, string? siteDirectory)
    {
        try { return ImageCache.DirectoryFrom(environment, siteDirectory); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.Usage, e.Message); }
    }

    /// <summary>The cache's directory, which the caller needs.</summary>
    /// <exception cref="HpcRunException">64 as <see cref="Find"/>; 108 (<see cref="ExitCode.PullOutputUnwritable"/>)
    /// when no variable names one.</exception>
    public static string Require(Func<string, string?> environment, string? siteDirectory) =>
        Find(environment, siteDirectory) ?? throw new HpcRunException(ExitCode.PullOutputUnwritable,
            "no image cache: set HPCRUN_CACHEDIR, XDG_CACHE_HOME or HOME");
}
