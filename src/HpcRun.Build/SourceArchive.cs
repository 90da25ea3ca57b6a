using HpcRun.Build.Tar;
using HpcRun.Image;
using HpcRun.Image.Posix;

namespace HpcRun.Build;

/// <summary>Unpacks a `docker save` or OCI layout tar (possibly compressed) into a scratch directory, every name
/// resolved inside it, as <see cref="TreeWriter"/> writes layers.</summary>
internal static class SourceArchive
{
    /// <summary>Unpacks <paramref name="archive"/> (named <paramref name="name"/> in messages) into
    /// <paramref name="into"/>.</summary>
    public static void Unpack(FileStream archive, string name, RootDir into, IBuildReporter reporter,
        CancellationToken cancel)
    {
        var writer = new TreeWriter(into, reporter, 0);
        using IBuildStep step = reporter.Step($"reading {name}", archive.Length);
        try
        {
            using Stream stream = Decompression.Open(archive, raw => new CountingStream(raw, step.Advance));
            var reader = new TarArchiveReader(stream);
            var skipped = new SkippedEntries(name);
            while (reader.Next() is { } entry)
            {
                cancel.ThrowIfCancellationRequested();
                writer.Write(entry, reader, name, cancel);
                skipped.Add(entry);
            }
            skipped.Report(reporter);
            writer.Finish();
            step.Done();
        }
        catch (Exception e) when (Decompression.IsCorruption(e))
        {
            throw new ImageFormatException($"{name} is not a readable image archive: {Decompression.Explain(e)}");
        }
    }
}
