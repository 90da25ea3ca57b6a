using System.Formats.Tar;

namespace HpcRun.Image.Build;

/// <summary>Unpacks a `docker save` or OCI layout tar (possibly compressed) into a scratch
/// directory: only its files, directories and symlinks, every name confined to that directory.</summary>
internal static class SourceArchive
{
    public static void Unpack(string archive, string into, IBuildReporter reporter)
    {
        var root = new ConfinedRoot(into);
        using IBuildStep step = reporter.Step($"reading {Path.GetFileName(archive)}", new FileInfo(archive).Length);
        try
        {
            using Stream stream = Decompression.Open(archive, raw => new CountingStream(raw, step.Advance));
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry() is { } entry)
            {
                string target = root.Resolve(entry.Name);
                if (entry.EntryType == TarEntryType.Directory) { Directory.CreateDirectory(target); continue; }
                if (target == root.Path) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                FileOps.Remove(target);
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                    entry.DataStream?.CopyTo(file);
                }
                // docker save links repeated layers to their first copy; links are only ever
                // followed through ConfinedRoot, so they cannot lead out.
                else if (entry.EntryType == TarEntryType.SymbolicLink) File.CreateSymbolicLink(target, entry.LinkName);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or SharpCompress.Common.ArchiveException)
        {
            throw new ImageFormatException($"{archive} is not a readable image archive: {e.Message}");
        }
    }
}
