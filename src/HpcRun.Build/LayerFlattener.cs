using HpcRun.Build.Tar;
using HpcRun.Image;
using HpcRun.Image.Posix;

namespace HpcRun.Build;

/// <summary>A layer blob to apply: how to open its stored bytes and their length, the digest of those bytes and of
/// its uncompressed tar (either may be unknown), and a name for messages.</summary>
public sealed record LayerBlob(Func<Stream> Open, long Length, string? Digest, string? DiffId, string Name);

/// <summary>
/// Applies image layers in order into one tree, as a container engine stacks them (OCI image spec,
/// "Applying Changesets"): whiteouts (.wh.NAME deletes NAME, .wh..wh..opq empties a directory of what lower
/// layers put there), then the layer's entries as <paramref name="target"/> writes them (a directory on disk, or a
/// file system in memory), every path resolved inside the root when it is used, so no entry of a hostile layer
/// reaches outside it, and layers are checked against their digests as they are read.
/// </summary>
internal sealed class LayerFlattener(ILayerTarget target, IBuildReporter reporter)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private HashSet<string> createdByLayer = [];

    /// <summary>Layers applied into the directory <paramref name="root"/> (<see cref="TreeWriter"/>, which takes
    /// <paramref name="keepDirectoryModes"/> and <paramref name="createdDirectoryMode"/>: a COPY's files applied as a
    /// layer).</summary>
    public LayerFlattener(RootDir root, IBuildReporter reporter, long defaultTime = 0,
        bool keepDirectoryModes = false, uint createdDirectoryMode = 0b111_101_101)
        : this(new TreeWriter(root, reporter, defaultTime, keepDirectoryModes, createdDirectoryMode), reporter) { }

    public void Apply(IReadOnlyList<LayerBlob> layers, CancellationToken cancel = default)
    {
        foreach (LayerBlob layer in layers) ApplyLayer(layer, cancel);
        target.Finish();
    }

    private void ApplyLayer(LayerBlob layer, CancellationToken cancel)
    {
        createdByLayer = [];
        using IBuildStep step = reporter.Step($"unpacking {layer.Name}", layer.Length);
        CountingStream? stored = null;
        try
        {
            using Stream tar = Decompression.Open(layer.Open(), raw => stored = new CountingStream(raw, step.Advance));
            using var uncompressed = new CountingStream(tar);
            var reader = new TarArchiveReader(uncompressed);
            var skipped = new SkippedEntries(layer.Name);
            while (reader.Next() is { } entry)
            {
                cancel.ThrowIfCancellationRequested();
                ApplyEntry(entry, reader, layer.Name, cancel);
                skipped.Add(entry);
            }
            skipped.Report(reporter);
            uncompressed.Drain();
            Verify(layer, layer.DiffId, uncompressed.Digest, "uncompressed");
            stored!.Drain();
            Verify(layer, layer.Digest, stored.Digest, "stored");
            step.Done();
        }
        catch (Exception e) when (Decompression.IsCorruption(e))
        {
            throw new ImageFormatException($"{layer.Name} is corrupt or truncated: {Decompression.Explain(e)}");
        }
    }

    private static void Verify(LayerBlob layer, string? expected, string actual, string what)
    {
        if (expected is not null && !expected.Equals(actual, StringComparison.OrdinalIgnoreCase))
            throw new ImageFormatException($"{layer.Name}: {what} digest is {actual}, the image says {expected}");
    }

    private void ApplyEntry(TarHeader entry, TarArchiveReader reader, string layerName, CancellationToken cancel)
    {
        string name = entry.Name.TrimEnd('/');
        int slash = name.LastIndexOf('/');
        string directory = slash < 0 ? "" : name[..slash], leaf = name[(slash + 1)..];
        if (leaf == OpaqueMarker) { target.Empty(directory, createdByLayer.Contains); return; }
        if (leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            // ".wh.", ".wh.." and ".wh..." name no entry: removing "dir/." would take the whiteout's own directory.
            string hidden = leaf[WhiteoutPrefix.Length..];
            if (hidden is not ("" or "." or "..")) target.Remove($"{directory}/{hidden}");
            return;
        }
        // The entry and its parents are this layer's: an opaque marker later in it leaves them.
        string? path = target.Write(entry, reader, layerName, cancel);
        while (!string.IsNullOrEmpty(path) && createdByLayer.Add(path))
            path = path[..Math.Max(path.LastIndexOf('/'), 0)];
    }
}
