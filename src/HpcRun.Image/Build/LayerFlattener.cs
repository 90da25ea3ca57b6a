using System.Formats.Tar;

namespace HpcRun.Image.Build;

/// <summary>A layer blob to apply: its file, the digest of its stored bytes and of its
/// uncompressed tar (either may be unknown), and a name for messages.</summary>
public sealed record LayerBlob(string Path, string? Digest, string? DiffId, string Name);

/// <summary>
/// Applies image layers in order into one directory, as a container engine stacks them:
/// whiteouts (.wh.NAME deletes NAME, .wh..wh..opq empties a directory of what lower layers
/// put there), hard links and symlinks kept, permissions kept less setuid/setgid. Every path
/// is resolved inside the root (<see cref="ConfinedRoot"/>), so no entry of a hostile layer
/// can write outside it. Device nodes and FIFOs are skipped with a warning.
/// </summary>
public sealed class LayerFlattener(ConfinedRoot root, IBuildReporter reporter)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private readonly Dictionary<string, UnixFileMode> directoryModes = [];
    private HashSet<string> createdByLayer = [];

    public void Apply(IReadOnlyList<LayerBlob> layers)
    {
        foreach (LayerBlob layer in layers) ApplyLayer(layer);
        // Directory modes last: a read-only directory must still take the files of later layers.
        foreach (var (path, mode) in directoryModes.OrderByDescending(d => d.Key.Length))
            if (FileOps.IsRealDirectory(path)) File.SetUnixFileMode(path, mode);
    }

    private void ApplyLayer(LayerBlob layer)
    {
        createdByLayer = [];
        using IBuildStep step = reporter.Step($"unpacking {layer.Name}", new FileInfo(layer.Path).Length);
        CountingStream? stored = null;
        try
        {
            using Stream tar = Decompression.Open(layer.Path, raw => stored = new CountingStream(raw, step.Advance));
            using var uncompressed = new CountingStream(tar);
            using (var reader = new TarReader(uncompressed, leaveOpen: true))
                while (reader.GetNextEntry() is { } entry) ApplyEntry(entry, layer.Name);
            uncompressed.Drain();
            Verify(layer, layer.DiffId, uncompressed.Digest, "uncompressed");
            stored!.Drain();
            Verify(layer, layer.Digest, stored.Digest, "stored");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or SharpCompress.Common.ArchiveException)
        {
            throw new ImageFormatException($"layer {layer.Name} is corrupt or truncated: {e.Message}");
        }
    }

    private static void Verify(LayerBlob layer, string? expected, string actual, string what)
    {
        if (expected is not null && !expected.Equals(actual, StringComparison.OrdinalIgnoreCase))
            throw new ImageFormatException($"layer {layer.Name}: {what} digest is {actual}, the image says {expected}");
    }

    private void ApplyEntry(TarEntry entry, string layerName)
    {
        string name = entry.Name.TrimEnd('/');
        string directory = name.Contains('/') ? name[..name.LastIndexOf('/')] : "";
        string leaf = name[(name.LastIndexOf('/') + 1)..];
        if (leaf == OpaqueMarker) { MakeOpaque(directory); return; }
        if (leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            string hidden = root.Resolve($"{directory}/{leaf[WhiteoutPrefix.Length..]}");
            if (hidden != root.Path) FileOps.Remove(hidden);
            return;
        }
        string target = root.Resolve(name);
        if (target == root.Path)
        {
            if (entry.EntryType == TarEntryType.Directory) directoryModes[target] = Mode(entry);
            return;
        }
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!FileOps.IsRealDirectory(target)) { FileOps.Remove(target); Directory.CreateDirectory(target); }
                directoryModes[target] = Mode(entry) | (FileOps.IsRoot ? 0 : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Replace(target);
                using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                    entry.DataStream?.CopyTo(file);
                File.SetUnixFileMode(target, Mode(entry) | (FileOps.IsRoot ? 0 : UnixFileMode.UserRead));
                break;
            case TarEntryType.SymbolicLink:
                Replace(target);
                File.CreateSymbolicLink(target, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                string existing = root.Resolve(entry.LinkName);
                if (!FileOps.IsRegularFile(existing))
                {
                    reporter.Warning($"{layerName}: skipped hard link {name}: its target {entry.LinkName} is not a file in the image");
                    return;
                }
                if (existing == target) return;
                Replace(target);
                FileOps.HardLink(existing, target);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                reporter.Warning($"{layerName}: skipped {entry.EntryType} {name} (device nodes and FIFOs are not kept)");
                return;
            default:
                reporter.Warning($"{layerName}: skipped {name}: unsupported tar entry type {entry.EntryType}");
                return;
        }
        for (string? path = target; path is not null && path != root.Path; path = Path.GetDirectoryName(path))
            if (!createdByLayer.Add(path)) break;
    }

    /// <summary>Replaces what is at <paramref name="target"/>; its parent chain is created as real directories.</summary>
    private void Replace(string target)
    {
        FileOps.Remove(target);
        string parent = Path.GetDirectoryName(target)!;
        if (!FileOps.IsRealDirectory(parent)) { FileOps.Remove(parent); Directory.CreateDirectory(parent); }
    }

    private void MakeOpaque(string directory)
    {
        string path = root.Resolve(directory, followLast: true);
        if (!FileOps.IsRealDirectory(path)) return;
        foreach (string child in Directory.EnumerateFileSystemEntries(path))
            if (!createdByLayer.Contains(child)) FileOps.Remove(child);
    }

    private static UnixFileMode Mode(TarEntry entry) => entry.Mode & ~FileOps.SetIdBits;
}
