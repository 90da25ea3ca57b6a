using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HpcRun.Image.Metadata;
using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Two images of the same source, one written by hpcrun's writer and one by mksquashfs (forced by
/// <see cref="MksquashfsPath"/>, arguments that change no content), hold the same file system: the same entries
/// (type, mode, owner, time, size, symlink target, hard links; `unsquashfs -pf` and `-lls -n`), the same bytes in
/// every file and the same file system time. A bare SquashFS's build records differ in the arguments they record
/// and in what they say made the file system, and in nothing else.</summary>
public static class SameFileSystem
{
    public static readonly string[] MksquashfsPath = ["-processors", "2"];

    public static void Assert(string written, string squashed, bool sqfs)
    {
        long offset = sqfs ? 0 : SifWriter.PartitionOffset;
        var (writtenEntries, squashedEntries) =
            (PseudoListing.Read(written, offset), PseudoListing.Read(squashed, offset));
        if (sqfs)
        {
            string record = BuildRecord.InTreePath.TrimStart('/');
            Xunit.Assert.Equal(Record(squashed), Record(written));
            Xunit.Assert.Equal((BuildRecord.Hpcrun, BuildRecord.Mksquashfs), (Maker(written), Maker(squashed)));
            writtenEntries.RemoveAll(e => e.Path == record);
            squashedEntries.RemoveAll(e => e.Path == record);
        }
        Xunit.Assert.Equal(squashedEntries, writtenEntries);
        Xunit.Assert.Equal(Lls(squashed, offset), Lls(written, offset));
        Xunit.Assert.Equal(SquashFsListing.MkfsTime(squashed, offset), SquashFsListing.MkfsTime(written, offset));
    }

    /// <summary>`unsquashfs -lls -n`, the build record's size left out (it names the arguments).</summary>
    private static string Lls(string image, long offset) => Regex.Replace(
        TestEnvironment.RunChecked("unsquashfs", "-o", $"{offset}", "-lls", "-n", image),
        @"\d+ (\S+ \S+ squashfs-root/\.hpcrun/build\.json)", "$1");

    /// <summary>The build record inside a bare SquashFS, less the mksquashfs arguments it records and what it says
    /// made the file system.</summary>
    private static string Record(string image)
    {
        var record = JsonNode.Parse(Building.Cat(image, BuildRecord.InTreePath, 0))!.AsObject();
        foreach (string key in record.Select(p => p.Key).Where(k => k.Contains("ksquashfs")).ToList())
            record.Remove(key);
        record.Remove("fileSystemMaker");
        return record.ToJsonString();
    }

    private static string? Maker(string image) =>
        BuildRecord.ParseOrNull(Building.Cat(image, BuildRecord.InTreePath, 0))?.FileSystemMaker;
}
