using HpcRun.Build.Tar;
using HpcRun.Image;
using HpcRun.Image.Posix;

namespace HpcRun.Build;

/// <summary>A layer blob to apply: how to open its stored bytes and their length, the digest of those bytes and of
/// its uncompressed tar (either may be unknown), and a name for messages.</summary>
public sealed record LayerBlob(Func<Stream> Open, long Length, string? Digest, string? DiffId, string Name);

/// <summary>
/// Applies image layers in order into one directory, as a container engine stacks them (OCI image spec,
/// "Applying Changesets"): whiteouts (.wh.NAME deletes NAME, .wh..wh..opq empties a directory of what lower
/// layers put there), then the layer's entries as <see cref="TreeWriter"/> writes them, every path resolved
/// inside the root when it is used, so no entry of a hostile layer reaches outside it, and layers are checked
/// against their digests as they are read.
/// </summary>
/// <remarks><paramref name="keepDirectoryModes"/>, <paramref name="createdDirectoryMode"/>: as
/// <see cref="TreeWriter"/> takes them (a COPY's files applied as a layer).</remarks>
internal sealed class LayerFlattener(RootDir root, IBuildReporter reporter, long defaultTime = 0,
    bool keepDirectoryModes = false, uint createdDirectoryMode = 0b111_101_101)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private readonly TreeWriter writer = new(root, reporter, defaultTime, keepDirectoryModes, createdDirectoryMode);
    private HashSet<string> createdByLayer = [];

    public void Apply(IReadOnlyList<LayerBlob> layers, CancellationToken cancel = default)
    {
        foreach (LayerBlob layer in layers) ApplyLayer(layer, cancel);
        writer.Finish();
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
            while (reader.Next() is { } entry)
            {
                cancel.ThrowIfCancellationRequested();
                ApplyEntry(entry, reader, layer.Name, cancel);
            }
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
        if (leaf == OpaqueMarker) { writer.Empty(directory, createdByLayer.Contains); return; }
        if (leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            // ".wh.", ".wh.." and ".wh..." name no entry: removing "dir/." would take the whiteout's own directory.
            string hidden = leaf[WhiteoutPrefix.Length..];
            if (hidden is not ("" or "." or "..")) writer.Remove($"{directory}/{hidden}");
            return;
        }
        // The entry and its parents are this layer's: an opaque marker later in it leaves them.
        string? path = writer.Write(entry, reader, layerName, cancel);
        while (!string.IsNullOrEmpty(path) && createdByLayer.Add(path))
            path = path[..Math.Max(path.LastIndexOf('/'), 0)];
    }
}
