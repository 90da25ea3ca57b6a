using HpcRun.Build;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;

namespace HpcRun.Registry;

/// <summary>
/// Pulls into an <see cref="ImageCache"/> (`hpcrun pull --cache REF`, which `hpcrun docker://REF` runs when its
/// cache cannot answer): many processes at once (ranks of a job, nodes on one shared file system) each ask the
/// registry what the reference names, then one downloads it under the image's lock while the others wait, and
/// all of them find the same SIF. The SIF and the reference file appear by rename, whole.
/// </summary>
public static class CachePuller
{
    /// <summary>Returns the cached SIF of <paramref name="reference"/> for <paramref name="platform"/> (null: the
    /// host's), pulling it when the cache lacks it or the tag moved; the cached one, with a warning, when the registry
    /// is not reached (<see cref="RegistryException.NotReached"/>). <paramref name="tagMoved"/>: the caller saw the
    /// tag answer with a digest other than the cache's, so the manifest is got without asking that again.</summary>
    public static string Pull(ImageCache cache, ImageReference reference, string? platform, RegistrySettings settings,
        string hpcrunVersion, IBuildReporter reporter, CancellationToken cancel, bool tagMoved = false)
    {
        (ImageSelector selector, string? variant) = ImagePuller.Selector(platform);
        string shownPlatform = selector.Platform + (variant is null ? "" : "/" + variant);
        string referencePath = cache.ReferencePath(reference, shownPlatform);
        Prepare(cache);
        CachedReference? known = !tagMoved && cache.ReadReference(reference, shownPlatform) is { } k
            && File.Exists(cache.ImagePath(k.ManifestDigest)) ? k : null;
        using var client = new RegistryClient(reference, settings);
        ResolvedManifest? manifest;
        try
        {
            manifest = ManifestResolver.Resolve(client, reference, selector, variant, known, cancel)
                .GetAwaiter().GetResult();
        }
        catch (RegistryException e) when (known is not null && e.NotReached)
        {
            // As the launcher's own check: a job runs what it ran before rather than fail on a registry outage.
            reporter.Warning(known.Unchecked(e.Message));
            return cache.ImagePath(known.ManifestDigest);
        }
        if (manifest is null)
        {
            if (known!.Authenticated != client.Authenticated)
                Write(referencePath, known with { Authenticated = client.Authenticated });
            return cache.ImagePath(known.ManifestDigest);
        }
        string image = cache.ImagePath(manifest.Digest);
        if (!File.Exists(image))
        {
            FileLock held = FileLock.Take(cache.LockPath(manifest.Digest));
            try
            {
                if (!File.Exists(image)) // another puller may have finished while this one waited
                    ImagePuller.Build(client, manifest, new PullRequest(image, reference, platform, false, settings),
                        hpcrunVersion, reporter, cancel);
            }
            catch (ImageBuildException e) when (e.Failure == BuildFailure.OutputUnwritable)
            {
                // Its OUT is the cache's: an image cache that cannot be used (108), not a user's OUT (80).
                throw new RegistryException(RegistryFault.Unwritable, e.Message, e);
            }
            finally
            {
                // Whether it failed or not, the pull is over: only a killed pull leaves its lock file behind, which
                // `cache list` counts and `cache clean` removes.
                held.Remove();
            }
        }
        Write(referencePath, new CachedReference(manifest.Digest, manifest.AnsweredDigest, reference.ToString(),
            shownPlatform, client.Authenticated));
        return image;
    }

    /// <summary>The reference file, whole, by rename.</summary>
    private static void Write(string referencePath, CachedReference entry)
    {
        string temporary = $"{referencePath}.{Environment.ProcessId}";
        File.WriteAllText(temporary, entry.Format());
        File.Move(temporary, referencePath, overwrite: true);
    }

    /// <summary>Makes the cache's directories, private to their user (0700).</summary>
    private static void Prepare(ImageCache cache)
    {
        foreach (string directory in new[] { cache.Root, cache.ImageDirectory, cache.ReferenceDirectory })
            if (ImageCache.MakeDirectory(directory) is { } why)
                throw new RegistryException(RegistryFault.Unwritable,
                    $"cannot make the image cache {Shown.Path(directory)}: {why}");
    }
}
