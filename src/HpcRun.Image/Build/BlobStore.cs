using System.Security.Cryptography;

namespace HpcRun.Image.Build;

/// <summary>Reads an OCI layout's content-addressed blobs (blobs/sha256/HEX) and checks small ones
/// against their digests at once; layers are checked as they are unpacked.</summary>
internal sealed class BlobStore(string layoutDir)
{
    private const int MaxJsonBlob = 8 << 20;

    public string PathOf(string digest)
    {
        string[] parts = digest.Split(':', 2);
        if (parts.Length != 2 || parts[0] != "sha256" || parts[1].Length == 0 || !parts[1].All(char.IsAsciiHexDigitLower))
            throw new ImageFormatException($"unsupported or malformed digest '{digest}'");
        string path = Path.Combine(layoutDir, "blobs", parts[0], parts[1]);
        if (!File.Exists(path)) throw new ImageFormatException($"blob {digest} is missing from the image");
        return path;
    }

    /// <summary>A JSON blob's text, after checking its digest.</summary>
    public string ReadJson(string digest)
    {
        string path = PathOf(digest);
        if (new FileInfo(path).Length > MaxJsonBlob) throw new ImageFormatException($"blob {digest} is too large for JSON");
        byte[] bytes = File.ReadAllBytes(path);
        string actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != digest) throw new ImageFormatException($"blob {digest} does not match its digest (it is {actual})");
        return System.Text.Encoding.UTF8.GetString(bytes);
    }
}
