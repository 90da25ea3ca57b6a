using System.Security.Cryptography;
using System.Text;
using HpcRun.Image.Posix;

namespace HpcRun.Build.SquashFs;

/// <summary>A file on disk as the writer met it: its device, inode and birth time (which no inode reused after a
/// removal shares), size and modification time (ns). The recipe build cache's trees are never changed in place
/// (<see cref="Recipe.SharedFiles"/>), so one of their files seen again with the same identity has the same bytes.
/// The ctime is left out: each hard link a later step makes to the file changes it.</summary>
internal readonly record struct FileIdentity(uint DevMajor, uint DevMinor, ulong Inode, long BirthSeconds,
    uint BirthNanoseconds, ulong Size, long ModifiedSeconds, uint ModifiedNanoseconds)
{
    private const uint StatxBirthTime = 0x800; // STATX_BTIME

    /// <summary>The identity of <paramref name="what"/>; null when its file system keeps no birth time.</summary>
    public static FileIdentity? Of(in Libc.Statx what) => (what.Mask & StatxBirthTime) == 0 ? null
        : new FileIdentity(what.DevMajor, what.DevMinor, what.Inode, what.Btime.Seconds, what.Btime.Nanoseconds,
            what.Size, what.Mtime.Seconds, what.Mtime.Nanoseconds);
}

/// <summary>The stored blocks of a file of a block or more in an earlier image: its content's key (length and
/// SHA-256, as <see cref="SquashFsWriter"/> keys content), where its first block starts (bytes from the superblock)
/// and each block's size word.</summary>
internal sealed record ReusedFile(ContentKey Key, long Start, uint[] Sizes);

/// <summary>A content's length (bytes) and SHA-256 (in two halves), by which the writer stores it once.</summary>
internal readonly record struct ContentKey(long Length, UInt128 Low, UInt128 High);

/// <summary>
/// What an image written by <see cref="SquashFsWriter"/> holds, for a later image of a tree that shares its files to
/// copy compressed bytes instead of reading and compressing them again: each file of a block or more by its
/// <see cref="FileIdentity"/>, each fragment block by the SHA-256 of its uncompressed bytes, and the writer that
/// made them (hpcrun's version, the gzip level, the block size: zlib's output differs between its versions). A
/// later image that copies them has the bytes it would have written itself. Saved as a binary file whose last 32
/// bytes are the SHA-256 of the rest, with the identity of the image file it describes (<see cref="Image"/>):
/// <see cref="Read"/> refuses an index whose hash or writer differs.
/// </summary>
internal sealed class ReuseIndex
{
    private static readonly byte[] Magic = "hpcrun squashfs reuse 1\n"u8.ToArray();

    public Dictionary<FileIdentity, ReusedFile> Files { get; } = [];

    /// <summary>Fragment blocks by the SHA-256 of their uncompressed bytes: their start (bytes from the superblock)
    /// and size word.</summary>
    public Dictionary<ContentKey, (long Start, uint Size)> Fragments { get; } = [];

    /// <summary>The writer (<see cref="WriterOf"/>): hpcrun's and .NET's versions, the gzip level and the block size.
    /// </summary>
    public required string Writer { get; init; }

    /// <summary>The image file's name (beside the index), where in it the superblock is, and the file's inode,
    /// birth, change and modification times (ns) and size when the index was saved: any write or truncation since
    /// changes its ctime.</summary>
    public required string Image { get; set; }

    public long Offset { get; set; }
    public (ulong Inode, long Birth, long Change, long Modified, ulong Size) ImageStat { get; set; }

    /// <summary>The writer of hpcrun <paramref name="version"/> at gzip <paramref name="level"/>: with the .NET
    /// runtime's version, whose zlib compresses.</summary>
    public static string WriterOf(string version, int level) =>
        $"{version} .NET {Environment.Version} gzip-{level} {SquashFsWriter.BlockSize}";

    /// <summary>The image file's identity, as <see cref="ImageStat"/> keeps it.</summary>
    public static (ulong, long, long, long, ulong) StatOf(in Libc.Statx s) => (s.Inode, Ns(s.Btime), Ns(s.Ctime),
        Ns(s.Mtime), s.Size);

    private static long Ns(Libc.StatxTime t) => t.Seconds * 1_000_000_000 + t.Nanoseconds;

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Writer);
            w.Write(Image);
            w.Write(Offset);
            (ulong inode, long birth, long change, long modified, ulong size) = ImageStat;
            w.Write(inode); w.Write(birth); w.Write(change); w.Write(modified); w.Write(size);
            w.Write(Files.Count);
            foreach ((FileIdentity id, ReusedFile file) in Files)
            {
                w.Write(id.DevMajor); w.Write(id.DevMinor); w.Write(id.Inode); w.Write(id.BirthSeconds);
                w.Write(id.BirthNanoseconds); w.Write(id.Size); w.Write(id.ModifiedSeconds);
                w.Write(id.ModifiedNanoseconds);
                WriteKey(w, file.Key);
                w.Write(file.Start);
                w.Write(file.Sizes.Length);
                foreach (uint s in file.Sizes) w.Write(s);
            }
            w.Write(Fragments.Count);
            foreach ((ContentKey key, (long start, uint word)) in Fragments)
            {
                WriteKey(w, key);
                w.Write(start);
                w.Write(word);
            }
        }
        stream.Write(SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        return stream.ToArray();
    }

    /// <summary>The index in <paramref name="bytes"/> when it is whole (its hash) and made by
    /// <paramref name="writer"/>; else null, and <paramref name="why"/> says which it is not.</summary>
    public static ReuseIndex? Read(byte[] bytes, string writer, out string why)
    {
        why = "its index is damaged";
        if (bytes.Length < Magic.Length + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)
            || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(^32)))
            return null;
        using var r = new BinaryReader(new MemoryStream(bytes, Magic.Length, bytes.Length - 32 - Magic.Length));
        try
        {
            if (r.ReadString() is var made && made != writer)
            {
                why = $"its index was made by another writer ({made}; this one is {writer})";
                return null;
            }
            var index = new ReuseIndex
            {
                Writer = writer,
                Image = r.ReadString(),
                Offset = r.ReadInt64(),
                ImageStat = (r.ReadUInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadUInt64()),
            };
            for (int n = r.ReadInt32(), i = 0; i < n; i++)
            {
                var id = new FileIdentity(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt64(), r.ReadInt64(),
                    r.ReadUInt32(), r.ReadUInt64(), r.ReadInt64(), r.ReadUInt32());
                ContentKey key = ReadKey(r);
                long start = r.ReadInt64();
                var sizes = new uint[r.ReadInt32()];
                for (int b = 0; b < sizes.Length; b++) sizes[b] = r.ReadUInt32();
                index.Files[id] = new ReusedFile(key, start, sizes);
            }
            for (int n = r.ReadInt32(), i = 0; i < n; i++)
                index.Fragments[ReadKey(r)] = (r.ReadInt64(), r.ReadUInt32());
            return index;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or OverflowException) { return null; }
    }

    private static void WriteKey(BinaryWriter w, ContentKey key)
    {
        w.Write(key.Length);
        Span<byte> halves = stackalloc byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(halves, key.Low);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(halves[16..], key.High);
        w.Write(halves);
    }

    private static ContentKey ReadKey(BinaryReader r)
    {
        long length = r.ReadInt64();
        byte[] halves = r.ReadBytes(32);
        if (halves.Length != 32) throw new EndOfStreamException();
        return new ContentKey(length, System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(halves),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(halves.AsSpan(16)));
    }
}
