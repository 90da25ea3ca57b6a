using HpcRun.Image.Text;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>An image's entries as `unsquashfs -pf` describes them (squashfs-tools' pseudo file format: name,
/// type, time in seconds, octal mode, uid, gid, then the symlink target), names as bytes.</summary>
public sealed record SquashFsEntry(char Type, long Time, string Mode, string Rest);

public static class SquashFsListing
{
    /// <summary>The entries of the SquashFS at <paramref name="offset"/> in <paramref name="image"/>, by path
    /// ("/" for the root).</summary>
    public static Dictionary<string, SquashFsEntry> Read(string image, long offset)
    {
        string pseudo = Path.Combine(Path.GetDirectoryName(image)!, $"{Path.GetFileName(image)}.pf");
        TestEnvironment.RunChecked("unsquashfs", "-o", $"{offset}", "-pf", pseudo, image);
        byte[] bytes = File.ReadAllBytes(pseudo);
        File.Delete(pseudo);
        var entries = new Dictionary<string, SquashFsEntry>(StringComparer.Ordinal);
        foreach (string line in RawText.Decode(bytes).Split('\n').TakeWhile(l => !l.StartsWith('#')))
        {
            string[] f = line.Split(' ', 7);
            if (f.Length >= 6)
                entries[f[0]] = new SquashFsEntry(f[1][0], long.Parse(f[2]), f[3], f.Length > 6 ? f[6] : "");
        }
        return entries;
    }

    /// <summary>The file system's own time (unsquashfs -mkfs-time).</summary>
    public static long MkfsTime(string image, long offset) =>
        long.Parse(TestEnvironment.RunChecked("unsquashfs", "-o", $"{offset}", "-mkfs-time", image).Trim());
}
