using System.Diagnostics;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Registry;
using HpcRun.Launch;

namespace HpcRun.Host;

/// <summary>
/// `hpcrun docker://REF CMD`: the image argument as a SIF of the cache (<see cref="ImageCache"/>). The launcher
/// answers from the cache itself when it may (a digest reference, which cannot change, or --offline /
/// HPCRUN_OFFLINE=1: no request, no other program); otherwise it runs `hpcrun-tools pull --cache REF`, which asks
/// the registry (one manifest request when the tag has not moved), pulls under the image's lock when the cache
/// lacks it (one puller per node and per shared file system, the others wait), and prints the SIF's path. So the
/// launcher itself never speaks HTTP, and launches of local images do none of this.
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
        return Pull(reference, directory);
    }

    private static string Pull(ImageReference reference, string cacheDirectory)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, ToolVerbs.Binary))
        { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "pull", "--cache", reference.ToString() }) info.ArgumentList.Add(arg);
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
