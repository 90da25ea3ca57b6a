using HpcRun.Build;

namespace HpcRun.Registry;

/// <summary>
/// A pull's layer downloads, <see cref="ImagePuller.Parallel"/> at a time in the background, in the manifest's
/// order, each into blobs/sha256/HEX and readable while it arrives (<see cref="Open"/>): the build unpacks a layer
/// as soon as the layers before it are unpacked, following its blob as it grows. Disposing cancels what still
/// runs and waits for it, so the scratch directory can go.
/// </summary>
internal sealed class LayerDownloads : IDisposable
{
    private readonly Dictionary<string, ArrivingBlob> blobs = [];
    private readonly CancellationTokenSource stop;
    private readonly Task finished;

    /// <param name="wanted">The layers to download (distinct digests, none already in <paramref name="directory"/>).
    /// </param>
    /// <param name="layers">Every layer's digest, to <see cref="Open"/>: those not wanted are already there.</param>
    /// <param name="failed">Called when a download fails (on its thread): the build need not go on.</param>
    public LayerDownloads(RegistryClient client, IReadOnlyList<(Descriptor Blob, string Name)> wanted,
        IEnumerable<string> layers, string directory, IBuildReporter reporter, Action failed,
        CancellationToken cancel)
    {
        foreach ((Descriptor blob, _) in wanted) blobs[blob.Digest!] = new(PathOf(directory, blob.Digest!));
        foreach (string digest in layers)
            if (!blobs.ContainsKey(digest)) blobs[digest] = ArrivingBlob.Present(PathOf(directory, digest));
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        finished = Download(client, wanted, directory, reporter, failed);
    }

    /// <summary>Layer <paramref name="digest"/>'s blob from its start, read as it arrives (<see cref="ArrivingBlob"/>):
    /// ends where the verified blob does; throws the download's fault when it failed.</summary>
    public Stream Open(string digest) => blobs[digest].Open();

    /// <summary>Waits for every download to end and throws the first fault, as the pull threw it when it downloaded
    /// every layer before the build; returns when all arrived.</summary>
    public void WaitForVerdict() => finished.GetAwaiter().GetResult();

    public void Dispose()
    {
        stop.Cancel();
        try { finished.GetAwaiter().GetResult(); }
        catch (Exception) { } // reported, or not wanted any more
        stop.Dispose();
    }

    private async Task Download(RegistryClient client, IReadOnlyList<(Descriptor Blob, string Name)> wanted,
        string directory, IBuildReporter reporter, Action failed)
    {
        try
        {
            await Parallel.ForEachAsync(wanted,
                new ParallelOptions { MaxDegreeOfParallelism = ImagePuller.Parallel, CancellationToken = stop.Token },
                async (item, token) =>
                {
                    string digest = item.Blob.Digest!;
                    ArrivingBlob blob = blobs[digest];
                    try
                    {
                        using IBuildStep step = reporter.Step($"downloading {item.Name}", item.Blob.Size);
                        await client.DownloadBlob(digest, item.Blob.Size, PathOf(directory, digest), n =>
                        {
                            step.Advance(n);
                            blob.Advance(n);
                        }, token).ConfigureAwait(false);
                        step.Done();
                        blob.End(null);
                    }
                    catch (Exception e)
                    {
                        blob.End(e);
                        failed();
                        throw;
                    }
                }).ConfigureAwait(false);
        }
        finally
        {
            // Those never started, the loop cancelled: their readers stop waiting.
            foreach (ArrivingBlob blob in blobs.Values) blob.End(new OperationCanceledException(stop.Token));
        }
    }

    private static string PathOf(string directory, string digest) => $"{directory}/{digest[7..]}";
}
