using System.CommandLine;
using HpcRun.CommandLine;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using HpcRun.Registry;
using HpcRun.Tools.Verbs.Image;

namespace HpcRun.Tools.Verbs.Registry;

/// <summary>pull and cache, and what they share: the cache's place, references, and the statuses 100-109.</summary>
internal static class RegistryVerbs
{
    public static Command[] All => [PullVerb.Create(), CacheVerb.Create()];

    /// <summary>The reference <paramref name="text"/>; Apptainer's other schemes (library://, oras://...) get
    /// their advice (<see cref="UnsupportedVerbs"/>).</summary>
    /// <exception cref="HpcRunException">64 for another scheme, 100 for a reference that does not parse.</exception>
    public static ImageReference Parse(string text)
    {
        UnsupportedVerbs.CheckReference(text);
        try { return ImageReference.Parse(text); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.RegistryBadReference, e.Message); }
    }

    /// <summary>Checks pull's and build's --platform (OS/ARCH[/VARIANT]) before anything is read or pulled, so that
    /// both refuse a malformed one alike, whatever the source (a build from a directory or a recipe whose bases are
    /// local too, which never choose by platform, included).</summary>
    /// <exception cref="HpcRunException">100, as for a reference that does not parse.</exception>
    public static void CheckPlatform(string? platform)
    {
        if (platform is null) return;
        try { ImagePuller.Selector(platform); }
        catch (RegistryException e) { throw new HpcRunException(ExitCode.RegistryBadReference, e.Message); }
    }

    /// <summary>The cache (<see cref="ImageCacheDirectory.Require"/>; the launcher hands its site's cache-dir over as
    /// HPCRUN_SITE_CACHEDIR).</summary>
    /// <exception cref="HpcRunException">64 for a relative variable; 108 without a directory, or with one that is not
    /// a directory.</exception>
    public static ImageCache Cache()
    {
        string directory = ImageCacheDirectory.Require(Environment.GetEnvironmentVariable,
            ImageCacheDirectory.HandedSite(Environment.GetEnvironmentVariable));
        if (Path.Exists(directory) && !Directory.Exists(directory))
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable,
                $"cannot use the image cache {Shown.Path(directory)}: not a directory");
        return new ImageCache(directory);
    }

    /// <summary><see cref="ImageVerbs.Run"/>, with a pull's faults as their statuses (an OUT it cannot write is
    /// a build's: 80, <see cref="HpcRun.Build.OutputRefusal"/>).</summary>
    public static int Run(Action action) => ImageVerbs.Run(() =>
    {
        try { action(); }
        catch (RegistryException e) { throw new HpcRunException(Status(e.Fault), e.Message); }
        catch (HpcRun.Image.ImageFormatException e)
        {
            throw new HpcRunException(ExitCode.RegistryBadContent, e.Message);
        }
    });

    internal static ExitCode Status(RegistryFault fault) => fault switch
    {
        RegistryFault.BadReference => ExitCode.RegistryBadReference,
        RegistryFault.Unreachable => ExitCode.RegistryUnreachable,
        RegistryFault.Timeout => ExitCode.RegistryTimeout,
        RegistryFault.Unauthorized => ExitCode.RegistryUnauthorized,
        RegistryFault.NotFound => ExitCode.RegistryNotFound,
        RegistryFault.Refused => ExitCode.RegistryRefused,
        RegistryFault.NoPlatform => ExitCode.RegistryNoPlatform,
        RegistryFault.BadContent => ExitCode.RegistryBadContent,
        RegistryFault.Unwritable => ExitCode.DiskFullOrCacheUnusable,
        _ => ExitCode.NotCached,
    };
}
