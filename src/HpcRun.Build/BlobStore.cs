using System.Security.Cryptography;
using HpcRun.Image;
using HpcRun.Image.Text;

namespace HpcRun.Build;

/// <summary>Reads an OCI layout's content-addressed blobs (blobs/sha256/HEX) through its <see cref="SourceTree"/>
/// and checks small ones against their digests at once; layers are checked as they are unpacked, read through
/// <paramref name="arriving"/> when given (<see cref="BuildRequest.ArrivingLayer"/>).</summary>
internal sealed class BlobStore(SourceTree tree, Func<string, Stream>? arriving = null)
{
    public string PathOf(string digest)
    {
        string path = RelativePath(digest);
        if (!tree.Exists(path)) throw new ImageFormatException($"blob {digest} is missing from the image");
        return path;
    }

    private static string RelativePath(string digest)
    {
        string[] parts = digest.Split(':', 2);
        if (parts is not ["sha256", { Length: 64 } hex] || !hex.All(char.IsAsciiHexDigitLower))
            throw new ImageFormatException($"unsupported or malformed digest '{Shown.Path(digest)}'");
        return $"blobs/{parts[0]}/{parts[1]}";
    }

    /// <summary>A layer blob, opened when it is applied; <paramref name="size"/> is the descriptor's, checked
    /// first.</summary>
    public LayerBlob Layer(string digest, long? size, string? diffId, string name)
    {
        if (arriving is not null)
        {
            _ = RelativePath(digest); // refused as a layout's would be
            return new LayerBlob(() => arriving(digest), size ?? 0, digest, diffId, name);
        }
        LayerBlob layer = tree.Layer(PathOf(digest), digest, diffId, name);
        CheckSize(digest, size, layer.Length);
        return layer;
    }

    /// <summary>A JSON blob's text, after checking its size and digest.</summary>
    public string ReadJson(string digest, long? size)
    {
        byte[] bytes = tree.ReadSmall(PathOf(digest));
        CheckSize(digest, size, bytes.Length);
        string actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != digest)
            throw new ImageFormatException($"blob {digest} does not match its digest (it is {actual})");
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    private static void CheckSize(string digest, long? expected, long actual)
    {
        if (expected is { } size && size != actual)
            throw new ImageFormatException($"blob {digest} is {actual} bytes, its descriptor says {size}");
    }
}
