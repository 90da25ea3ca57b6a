using System.Text;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Writes tar archives block by block, as ustar (POSIX.1-1988), pax and GNU tar lay them out: for what
/// System.Formats.Tar will not write (names that are not UTF-8, oversized or malformed fields). Names are
/// bytes.</summary>
public sealed class RawTar
{
    private readonly MemoryStream tar = new();

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    /// <summary>A header block; <paramref name="size"/> is written as given (octal), whatever data follows.</summary>
    public RawTar Header(byte[] name, char type, long size, string mode = "644", long mtime = 1700000000,
        byte[]? link = null, Action<byte[]>? tamper = null)
    {
        byte[] block = new byte[512];
        name.AsSpan(0, Math.Min(name.Length, 100)).CopyTo(block);
        Ascii(block, 100, 8, mode.PadLeft(7, '0'));
        Ascii(block, 108, 8, "0000000");
        Ascii(block, 116, 8, "0000000");
        Ascii(block, 124, 12, Convert.ToString(size, 8).PadLeft(11, '0'));
        Ascii(block, 136, 12, Convert.ToString(mtime, 8).PadLeft(11, '0'));
        block[156] = (byte)type;
        (link ?? []).AsSpan(0, Math.Min((link ?? []).Length, 100)).CopyTo(block.AsSpan(157));
        "ustar\u000000"u8.CopyTo(block.AsSpan(257));
        tamper?.Invoke(block);
        "        "u8.CopyTo(block.AsSpan(148));
        Ascii(block, 148, 7, Convert.ToString(block.Sum(b => (int)b), 8).PadLeft(6, '0') + "\0");
        tar.Write(block);
        return this;
    }

    public RawTar Data(byte[] data)
    {
        tar.Write(data);
        tar.Write(new byte[(512 - data.Length % 512) % 512]);
        return this;
    }

    public RawTar File(byte[] name, string content, long mtime = 1700000000, string mode = "644") =>
        Header(name, '0', content.Length, mode, mtime).Data(Encoding.UTF8.GetBytes(content));

    public RawTar Directory(byte[] name, long mtime = 1700000000, string mode = "755") =>
        Header(name, '5', 0, mode, mtime);

    /// <summary>A pax extended header ('x') for the next entry: "LENGTH key=value\n" records.</summary>
    public RawTar Pax(params (string Key, byte[] Value)[] records)
    {
        var data = new MemoryStream();
        foreach (var (key, value) in records)
        {
            int body = Encoding.UTF8.GetByteCount(key) + value.Length + 3; // ' ', '=', '\n'
            int length = body + $"{body}".Length;
            if ($"{length}".Length != $"{body}".Length) length++;
            data.Write(Encoding.UTF8.GetBytes($"{length} {key}="));
            data.Write(value);
            data.WriteByte((byte)'\n');
        }
        return Header(Bytes("././@PaxHeader"), 'x', data.Length).Data(data.ToArray());
    }

    /// <summary>A GNU long name ('L') of <paramref name="name"/>, its size field claiming
    /// <paramref name="claimed"/> bytes if given.</summary>
    public RawTar GnuLongName(byte[] name, long? claimed = null)
    {
        Header(Bytes("././@LongLink"), 'L', claimed ?? name.Length + 1);
        return claimed is null ? Data([.. name, 0]) : this;
    }

    public byte[] ToArray(bool end = true)
    {
        if (end) tar.Write(new byte[1024]);
        return tar.ToArray();
    }

    public string WriteTo(string path, bool end = true)
    {
        System.IO.File.WriteAllBytes(path, ToArray(end));
        return path;
    }

    private static void Ascii(byte[] block, int at, int length, string text) =>
        Encoding.ASCII.GetBytes(text).AsSpan(0, Math.Min(text.Length, length)).CopyTo(block.AsSpan(at));
}
