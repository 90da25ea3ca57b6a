using System.Diagnostics;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Registry;
using HpcRun.Launch;

namespace HpcRun.Host;

/// <summary>
/// `hpcrun docker://REF CMD`: the image argument as a SIF of the cache (<see cref="ImageCache"/>). The launcher
/// answers from the cache itself when it may (a digest reference, which cannot change, or --offline /
/// HPCRUN_OFFLINE=1: no request, no other program), and for a cached tag it asks the registry itself whether the
/// tag still names the cached image: one HEAD request (<see cref="TagCheck"/>), no other program. Otherwise it runs
/// `hpcrun-tools pull --cache REF`, which knows the rest of the protocol (credentials, tokens, proxies, errors and
/// their messages), pulls under the image's lock when the cache lacks the image (one puller per node and per shared
/// file system, the others wait), and prints the SIF's path. Launches of local images do none of this.
/// </summary>
internal static class RegistryImage
{
    /// <summary>The local path to run for <paramref name="image"/>: itself unless it is a docker:// reference.
    /// Must run with the id maps written (the pull writes the user's cache as the user). <paramref name="joined"/>:
    /// this rank joins the container its node's first rank made after asking the registry itself, so the cache
    /// answers without a request (32 ranks on a node make one request, not 32).</summary>
    /// <exception cref="HpcRunException">100 for a bad reference, 109 when --offline and not cached, 108 without
    /// a cache directory; a failed pull ends this process with the pull's own status, its one line already
    /// printed.</exception>
    public static string Resolve(string image, SiteConfig site, bool offline, bool joined = false)
    {
        if (!ImageReference.IsReference(image)) return image;
        IReadOnlyDictionary<string, string> environment = Invocation.Environment;
        ImageReference reference;
        try { reference = ImageReference.Parse(image); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.RegistryBadReference, e.Message); }
        string directory = ImageCache.DirectoryFrom(environment.GetValueOrDefault, site.CacheDirectory)
            ?? throw new HpcRunException(ExitCode.PullOutputUnwritable,
                "no image cache: set HPCRUN_CACHEDIR, XDG_CACHE_HOME or HOME");
        var cache = new ImageCache(directory);
        offline |= SettingWord.SwitchFromEnvironment(environment, "HPCRUN_OFFLINE");
        bool fromCache = offline || joined || reference.Digest is not null;
        if (fromCache && cache.Find(reference, HostPlatform.Name) is { } cached) return cached;
        if (offline)
            throw new HpcRunException(ExitCode.NotCached,
                $"{reference} is not in the image cache ({directory}) and --offline forbids pulling it");
        return Unchanged(cache, reference, environment, out bool moved) ?? Pull(reference, directory, moved);
    }

    /// <summary>The cached SIF when the tag still answers with the digest the cache saw last (one HEAD request,
    /// <see cref="TagCheck"/>); null when it cannot tell or the cache lacks the image. <paramref name="moved"/>: the
    /// tag answered with another digest.</summary>
    private static string? Unchanged(ImageCache cache, ImageReference reference,
        IReadOnlyDictionary<string, string> environment, out bool moved)
    {
        moved = false;
        if (ImageCache.ReadReference(cache.ReferencePath(reference, HostPlatform.Name)) is not { } known
            || known.Authenticated) // a HEAD without credentials would only hear 401
            return null;
        string image = cache.ImagePath(known.ManifestDigest);
        if (!File.Exists(image)) return null;
        string? now = TagCheck.CurrentDigest(reference, environment);
        moved = now is not null && now != known.AnsweredDigest;
        return now == known.AnsweredDigest ? image : null;
    }

    /// <summary>`hpcrun-tools pull --cache REF`, with --tag-moved when this launcher saw the tag move, so that it
    /// gets the manifest at once instead of asking again.</summary>
    private static string Pull(ImageReference reference, string cacheDirectory, bool moved)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, ToolVerbs.Binary))
        { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])["pull", "--cache", .. moved ? ["--tag-moved"] : Array.Empty<string>(),
                     reference.ToString()])
            info.ArgumentList.Add(arg);
        info.Environment[ImageCache.DirectoryVariable] = cacheDirectory;
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HpcRunException(ExitCode.MissingTool,
                $"{info.FileName} cannot be started ({e.Message}): it is part of hpcrun, install it beside it");
        }
        using (process)
        {
            string path = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0) Environment.Exit(process.ExitCode); // its one line is on stderr already
            return path;
        }
    }
}
