using System.Security.Cryptography;
using HpcRun.Image.Text;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Everything `unsquashfs -pf` says of a SquashFS, entry by entry: type, time, mode, owner, a symlink's
/// target, a hard link's first name, and for a file its length and its content's SHA-256 (cut from the pseudo file's
/// data section), names as bytes, in unsquashfs's order.</summary>
public static class PseudoListing
{
    private static readonly byte[] DataMark = "# START OF DATA - DO NOT MODIFY\n#\n"u8.ToArray();

    /// <summary>Path (as <see cref="RawText"/>) to its description.</summary>
    public static List<(string Path, string Description)> Read(string image, long offset)
    {
        string pseudo = Path.Combine(Path.GetDirectoryName(image)!, $"{Path.GetFileName(image)}.pf");
        TestEnvironment.RunChecked("unsquashfs", "-o", $"{offset}", "-pf", pseudo, image);
        byte[] bytes = File.ReadAllBytes(pseudo);
        File.Delete(pseudo);
        int data = bytes.AsSpan().IndexOf(DataMark) is var at and >= 0 ? at + DataMark.Length : bytes.Length;
        var entries = new List<(string, string)>();
        foreach (string line in RawText.Decode(bytes.AsSpan(0, data)).Split('\n').TakeWhile(l => !l.StartsWith('#')))
        {
            if (line.Length == 0) continue;
            // "NAME R TIME MODE UID GID LENGTH OFFSET": the content at OFFSET in the data section.
            string[] f = line.Split(' ');
            if (f.Length >= 8 && f[^7] == "R")
            {
                long length = long.Parse(f[^2]), from = long.Parse(f[^1]);
                byte[] content = bytes.AsSpan((int)(data + from), (int)length).ToArray();
                string hash = Convert.ToHexString(SHA256.HashData(content));
                entries.Add((string.Join(' ', f[..^7]), $"R {string.Join(' ', f[^6..^2])} {length} {hash}"));
            }
            else entries.Add((line, ""));
        }
        return entries;
    }
}
