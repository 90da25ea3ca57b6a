using System.Diagnostics;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using HpcRun.Native;
using Serilog;

namespace HpcRun.Host;

/// <summary>The image a launch runs: <see cref="Path"/>; for a cached tag, the cached SIF and the registry's answer
/// still to come (<see cref="Check"/>), which the launch settles before the cached image's mount is used.</summary>
internal sealed record ResolvedImage(string Path, RegistryImage.CachedTag? Check = null);

/// <summary>
/// `hpcrun docker://REF CMD`: the image argument as a SIF of the cache (<see cref="ImageCache"/>). The launcher
/// answers from the cache itself when it may (a digest reference, which cannot change, or --offline /
/// HPCRUN_OFFLINE=1: no request, no other program), and for a cached tag it asks the registry itself whether the
/// tag still names the cached image: one manifest request (<see cref="TagCheck"/>) on a thread, while the launch mounts
/// the cached image and reads the host; no other program. Otherwise it runs `hpcrun-tools pull --cache REF`, which
/// knows the rest of the protocol (credentials, tokens, proxies, errors and their messages), pulls under the
/// image's lock when the cache lacks the image (one puller per node and per shared file system, the others wait),
/// and prints the SIF's path. Launches of local images do none of this.
/// </summary>
internal static class RegistryImage
{
    /// <summary>The local path to run for <paramref name="image"/>: itself unless it is a docker:// reference.
    /// Must run with the id maps written (the pull writes the user's cache as the user). <paramref name="joined"/>:
    /// this rank joins the container its node's first rank made after asking the registry itself, so the cache
    /// answers without a request (32 ranks on a node make one request, not 32).</summary>
    /// <exception cref="HpcRunException">64 for a relative cache variable, 100 for a bad reference, 109 when --offline
    /// and not cached, 108 without a cache directory; a failed pull ends this process with the pull's own status,
    /// its one line already printed.</exception>
    public static ResolvedImage Resolve(string image, SiteConfig site, bool offline, bool joined = false)
    {
        if (!ImageReference.IsReference(image)) return new ResolvedImage(image);
        IReadOnlyDictionary<string, string> environment = Invocation.Environment;
        ImageReference reference;
        try { reference = ImageReference.Parse(image); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.RegistryBadReference, e.Message); }
        // The real uid names the user's folder of a site's cache, not 0.
        string directory = ImageCacheDirectory.Require(Variables(environment),
            site.Given("cache-dir", site.CacheDirectory), (uint)EarlyNamespace.OuterUid());
        var cache = new ImageCache(directory);
        // What made it offline, as the refusal names it: the option, else the variable (a batch script's).
        string? offlineBy = offline ? "--offline"
            : SettingWord.SwitchFromEnvironment(environment, "HPCRUN_OFFLINE") ? "HPCRUN_OFFLINE" : null;
        bool fromCache = offlineBy is not null || joined || reference.Digest is not null;
        if (fromCache && cache.Find(reference, HostPlatform.Name) is { } cached) return new ResolvedImage(cached);
        if (offlineBy is not null)
            throw new HpcRunException(ExitCode.NotCached,
                $"{reference} is not in the image cache ({directory}) and {offlineBy} forbids pulling it");
        return CheckCachedTag(cache, reference, environment) is { } check ? new ResolvedImage(check.Image, check)
            : new ResolvedImage(Pull(reference, directory, moved: false));
    }

    /// <summary>The image cache's directory as a launch finds it (`hpcrun doctor docker://REF`); null when no
    /// variable names one.</summary>
    /// <exception cref="HpcRunException">64 for a relative cache variable.</exception>
    public static string? CacheDirectory(IReadOnlyDictionary<string, string> environment, SiteConfig? site) =>
        ImageCacheDirectory.Find(Variables(environment), site?.Given("cache-dir", site.CacheDirectory),
            (uint)EarlyNamespace.OuterUid());

    /// <summary>The variables that place the cache; HOME, when unset or empty, is the account's (srun
    /// --export=NONE).</summary>
    private static Func<string, string?> Variables(IReadOnlyDictionary<string, string> environment) =>
        name => environment.GetValueOrDefault(name) is { Length: > 0 } v ? v
            : name == "HOME" ? NameService.AccountHome() : null;

    /// <summary>The cached SIF of <paramref name="reference"/> with the launcher's check of its tag started; null
    /// when the cache lacks it or the launcher does not ask (<see cref="TagCheck.Start"/>).</summary>
    private static CachedTag? CheckCachedTag(ImageCache cache, ImageReference reference,
        IReadOnlyDictionary<string, string> environment)
    {
        if (cache.ReadReference(reference, HostPlatform.Name) is not { } known
            || known.Authenticated) // a request without credentials would only hear 401
            return null;
        string image = cache.ImagePath(known.ManifestDigest);
        return File.Exists(image) && TagCheck.Start(reference, environment, cache.Root) is { } asking
            ? new CachedTag(reference, cache.Root, known, image, asking) : null;
    }

    /// <summary>A cached image whose tag the registry is being asked about.</summary>
    internal sealed class CachedTag(ImageReference reference, string cacheDirectory, CachedReference known,
        string image, TagCheck.Asking asking)
    {
        /// <summary>The cached SIF.</summary>
        public string Image => image;

        /// <summary>Waits for the registry's answer: true when the cached image runs: the tag still names the
        /// digest the cache saw last, or the registry was not reached at all (a warning says so: the cluster's job
        /// runs what it ran before rather than failing on a registry outage; asking again through hpcrun-tools
        /// would wait for the same silence). False when <see cref="Replacement"/> must be pulled.</summary>
        public bool Stands()
        {
            TagAnswer answer = asking.Answer();
            if (answer.Digest == known.AnsweredDigest) return true;
            if (answer.Unreachable is not { } why) return false;
            Log.Warning("{Text}", known.Unchecked($"registry {reference.Registry} not reached ({why})"));
            return true;
        }

        /// <summary>The image to run instead of the cached one, after <see cref="Stands"/> said false: pulled by
        /// hpcrun-tools (with --tag-moved when the tag answered with another digest), which ends this process with
        /// its own status when the pull fails.</summary>
        public string Replacement() => Pull(reference, cacheDirectory, moved: asking.Answer().Digest is not null);
    }

    /// <summary>`hpcrun-tools pull --cache REF`, with --tag-moved when this launcher saw the tag move, so that it
    /// gets the manifest at once instead of asking again, and with this launch's -q, -s, -v or --debug.</summary>
    private static string Pull(ImageReference reference, string cacheDirectory, bool moved)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, ToolVerbs.Binary))
        { RedirectStandardOutput = true, UseShellExecute = false };
        string[] verbosity = Logging.Verbosity switch
        {
            <= -2 => ["-s"],
            -1 => ["-q"],
            1 => ["-v"],
            >= 2 => ["--debug"],
            _ => [],
        };
        string[] tagMoved = moved ? ["--tag-moved"] : [];
        foreach (string arg in (string[])[.. verbosity, "pull", "--cache", .. tagMoved, reference.ToString()])
            info.ArgumentList.Add(arg);
        info.Environment[ImageCache.DirectoryVariable] = cacheDirectory;
        info.Environment[RecipeStepCommand.ParentVariable] = $"{Environment.ProcessId}"; // it dies with this launcher
        using var signals = new PullSignals(); // before it starts: no signal may end this launcher and leave it
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HpcRunException(ExitCode.MissingTool,
                $"{info.FileName} cannot be started ({IoError.Describe(e.NativeErrorCode)}): " +
                "it is part of hpcrun, install it beside it");
        }
        using (process)
        {
            signals.Forward(process.Id);
            string path = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            // The pull said what stopped it; a signal that came as it finished still ends the launch, as it would
            // have a moment before.
            if (signals.Signal != 0) Environment.Exit(SignalDeath.End(signals.Signal));
            if (process.ExitCode != 0) Environment.Exit(process.ExitCode); // its one line is on stderr already
            return path;
        }
    }
}
