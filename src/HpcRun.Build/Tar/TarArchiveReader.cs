using HpcRun.Image.Text;

namespace HpcRun.Build.Tar;

/// <summary>
/// Reads tar archives as ustar, pax (POSIX.1-2001, pax(1) "Extended Header"), GNU tar (long names 'L'/'K',
/// base-256 numbers) and v7 tar write them, for layers and image archives that may be hostile. Names keep
/// their bytes (System.Formats.Tar decodes them as UTF-8 and writes U+FFFD). Every field is bounded: a pax
/// header or long name above <see cref="MaxHeaderData"/>, a number that does not fit its type, a bad checksum,
/// a sparse file or an archive that ends early is a <see cref="TarFormatException"/> naming the offset.
/// A pax global header ('g') is read and ignored, as Docker does.
/// </summary>
internal sealed class TarArchiveReader(Stream stream)
{
    /// <summary>The most a pax header or a GNU long name may hold: 1 MiB (libarchive's bound for a name).</summary>
    public const int MaxHeaderData = 1 << 20;
    private const int Block = 512;

    private readonly byte[] block = new byte[Block];
    private readonly byte[] buffer = new byte[1 << 16];
    private long offset, remaining, padding;

    /// <summary>The next entry, or null at the end of the archive (two zero blocks, one, or none).</summary>
    public TarHeader? Next()
    {
        Skip(remaining + padding);
        (remaining, padding) = (0, 0);
        string? longName = null, longLink = null;
        Dictionary<string, string>? pax = null;
        while (true)
        {
            long at = offset;
            if (!ReadBlock()) return null;
            if (block.AsSpan().IndexOfAnyExcept((byte)0) < 0) return null;
            CheckSum(at);
            char type = (char)block[156];
            long size = Number(block.AsSpan(124, 12), at, "size");
            switch (type)
            {
                case 'L': longName = Trimmed(ReadData(size, at, "GNU long name")); continue;
                case 'K': longLink = Trimmed(ReadData(size, at, "GNU long link name")); continue;
                case 'x': pax = PaxRecords.Parse(ReadData(size, at, "pax header"), at); continue;
                case 'g': PaxRecords.Parse(ReadData(size, at, "pax global header"), at); continue;
                case 'S': throw new TarFormatException($"tar entry at byte {at}: GNU sparse files are not supported");
            }
            return Entry(type, size, at, longName, longLink, pax ?? []);
        }
    }

    /// <summary>Copies the current entry's data to <paramref name="to"/>, checking for cancellation as it
    /// goes.</summary>
    public void CopyData(Stream to, CancellationToken cancel)
    {
        while (remaining > 0)
        {
            cancel.ThrowIfCancellationRequested();
            int n = (int)Math.Min(buffer.Length, remaining);
            Fill(buffer.AsSpan(0, n));
            remaining -= n;
            to.Write(buffer, 0, n);
        }
    }

    /// <summary>The current entry's data as a read-only stream that ends where the data does, for a reader that
    /// takes it in its own pieces (<see cref="CopyData"/> copies it whole); an archive that ends first is a
    /// <see cref="TarFormatException"/>.</summary>
    public Stream Data() => new EntryData(this);

    private sealed class EntryData(TarArchiveReader tar) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, tar.remaining);
            tar.Fill(buffer[..n]);
            tar.remaining -= n;
            return n;
        }
    }

    private TarHeader Entry(char type, long size, long at, string? longName, string? longLink,
        Dictionary<string, string> pax)
    {
        bool posix = block.AsSpan(257, 6).SequenceEqual("ustar\0"u8);
        string name = pax.GetValueOrDefault("path") ?? longName ?? Field(345, 155) switch
        {
            { Length: > 0 } prefix when posix => $"{prefix}/{Field(0, 100)}",
            _ => Field(0, 100),
        };
        string link = pax.GetValueOrDefault("linkpath") ?? longLink ?? Field(157, 100);
        if (pax.TryGetValue("size", out string? paxSize)) size = PaxRecords.Integer(paxSize, at, "size");
        foreach (string id in new[] { "uid", "gid" }) // unused (images are owned by root), yet refused when malformed
            if (pax.TryGetValue(id, out string? value) && PaxRecords.Integer(value, at, id) > uint.MaxValue)
                throw new TarFormatException($"tar entry at byte {at}: {id} {value} is out of range");
        (long seconds, long nanoseconds) = pax.TryGetValue("mtime", out string? mtime)
            ? PaxRecords.Time(mtime, at) : (Number(block.AsSpan(136, 12), at, "mtime"), 0);
        if (name.Length == 0) throw new TarFormatException($"tar entry at byte {at} has no name");
        uint mode = (uint)(Number(block.AsSpan(100, 8), at, "mode") & 0b111_111_111_111);
        (remaining, padding) = (size, (Block - size % Block) % Block);
        return new TarHeader(Kind(type, name), type, name, link, mode, size, seconds, nanoseconds);
    }

    private static TarKind Kind(char type, string name) => type switch
    {
        '0' or '7' => TarKind.File,
        '\0' => name.EndsWith('/') ? TarKind.Directory : TarKind.File, // v7 marked directories by the name
        '1' => TarKind.HardLink,
        '2' => TarKind.Symlink,
        '3' => TarKind.CharacterDevice,
        '4' => TarKind.BlockDevice,
        '5' => TarKind.Directory,
        '6' => TarKind.Fifo,
        _ => TarKind.Other,
    };

    private void CheckSum(long at)
    {
        long stored = Number(block.AsSpan(148, 8), at, "checksum");
        long unsigned = 8 * ' ', signed = 8 * ' ';
        for (int i = 0; i < Block; i++)
            if (i is < 148 or >= 156) { unsigned += block[i]; signed += (sbyte)block[i]; }
        if (stored != unsigned && stored != signed)
            throw new TarFormatException($"tar header at byte {at}: checksum mismatch (not a tar archive, or corrupt)");
    }

    /// <summary>An octal field (leading spaces or NULs, ending at a space or NUL) or GNU's base-256 form.</summary>
    private static long Number(ReadOnlySpan<byte> field, long at, string what)
    {
        long value = 0;
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80)
                throw new TarFormatException($"tar header at byte {at}: negative or oversized {what}");
            foreach (byte b in field[1..])
                value = value > long.MaxValue >> 8 ? throw Oversized(at, what) : value << 8 | b;
            return value;
        }
        field = field.TrimStart((ReadOnlySpan<byte>)[(byte)' ', 0]);
        foreach (byte b in field)
        {
            if (b is (byte)' ' or 0) break;
            if (b is < (byte)'0' or > (byte)'7')
                throw new TarFormatException($"tar header at byte {at}: {what} is not a number");
            value = value > long.MaxValue >> 3 ? throw Oversized(at, what) : value << 3 | (long)(b - '0');
        }
        return value;
    }

    private static TarFormatException Oversized(long at, string what) =>
        new($"tar header at byte {at}: {what} does not fit in 64 bits");

    private string Field(int start, int length)
    {
        ReadOnlySpan<byte> field = block.AsSpan(start, length);
        int end = field.IndexOf((byte)0);
        return RawText.Decode(end < 0 ? field : field[..end]);
    }

    private static string Trimmed(byte[] data) => RawText.Decode(data.AsSpan().TrimEnd((byte)0));

    /// <summary>The data of a header entry (long name, pax records), read whole: at most
    /// <see cref="MaxHeaderData"/>.</summary>
    private byte[] ReadData(long size, long at, string what)
    {
        if (size > MaxHeaderData)
            throw new TarFormatException(
                $"tar entry at byte {at}: {what} of {size} bytes (the limit is {MaxHeaderData})");
        byte[] data = new byte[size];
        Fill(data);
        Skip((Block - size % Block) % Block);
        return data;
    }

    /// <summary>Reads one header block; false at a clean end of the stream (an archive without end blocks).</summary>
    private bool ReadBlock()
    {
        int n = stream.ReadAtLeast(block, Block, throwOnEndOfStream: false);
        if (n == 0) return false;
        if (n < Block) throw Truncated();
        offset += Block;
        return true;
    }

    private void Fill(Span<byte> data)
    {
        if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length) throw Truncated();
        offset += data.Length;
    }

    private TarFormatException Truncated() => new($"the archive ends early, inside its entry at byte {offset}");

    private void Skip(long bytes)
    {
        for (long left = bytes; left > 0;)
        {
            int n = (int)Math.Min(buffer.Length, left);
            Fill(buffer.AsSpan(0, n));
            left -= n;
        }
    }
}

/// <summary>A tar archive that is malformed or ends early; the message is one short line.</summary>
internal sealed class TarFormatException(string message) : FormatException(message);
