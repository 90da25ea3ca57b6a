using System.Buffers.Binary;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>One change to a SquashFS superblock: <see cref="Name"/> is FIELD-KIND (no_ids-zero,
/// id_table-swap-bytes_used), for messages and for tests that pick one.</summary>
public sealed record SuperblockMutation(string Name, Action<Span<byte>> Apply)
{
    /// <summary>A copy of <paramref name="image"/> with the superblock at <paramref name="offset"/> changed.</summary>
    public byte[] AppliedTo(byte[] image, long offset)
    {
        var copy = (byte[])image.Clone();
        Apply(copy.AsSpan((int)offset, 96));
        return copy;
    }

    public override string ToString() => Name;
}

/// <summary>
/// Every field (byte range) of the 96-byte SquashFS 4.0 superblock (squashfs_fs.h struct squashfs_super_block)
/// set to zero, all ones, its bits flipped, one more and one less; and every two of the 64-bit positions
/// (bytes_used and the table starts) swapped. Mutations that leave a given superblock unchanged are dropped
/// by <see cref="For"/>.
/// </summary>
public static class SuperblockMutations
{
    /// <summary>A field of the superblock: a name for messages (squashfs_fs.h's, "_start" dropped; s_major is
    /// major, lookup_table_start export_table, xattr_id_table_start xattr_table), its offset and size in
    /// bytes.</summary>
    public readonly record struct Field(string Name, int Offset, int Size);

    public static readonly Field[] Fields =
    [
        new("magic", 0, 4), new("inodes", 4, 4), new("mkfs_time", 8, 4), new("block_size", 12, 4),
        new("fragments", 16, 4), new("compression", 20, 2), new("block_log", 22, 2), new("flags", 24, 2),
        new("no_ids", 26, 2), new("major", 28, 2), new("minor", 30, 2), new("root_inode", 32, 8),
        new("bytes_used", 40, 8), new("id_table", 48, 8), new("xattr_table", 56, 8), new("inode_table", 64, 8),
        new("directory_table", 72, 8), new("fragment_table", 80, 8), new("export_table", 88, 8),
    ];

    public static IEnumerable<SuperblockMutation> All
    {
        get
        {
            foreach (var (name, offset, size) in Fields)
            {
                ulong ones = size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
                yield return Change(name, "zero", offset, size, _ => 0);
                yield return Change(name, "ones", offset, size, _ => ones);
                yield return Change(name, "flip", offset, size, v => ~v & ones);
                yield return Change(name, "plus1", offset, size, v => (v + 1) & ones);
                yield return Change(name, "minus1", offset, size, v => (v - 1) & ones);
            }
            var positions = Fields.Where(f => f.Offset >= 40).ToArray();
            for (int i = 0; i < positions.Length; i++)
                for (int j = i + 1; j < positions.Length; j++)
                    yield return Swap(positions[i], positions[j]);
        }
    }

    /// <summary>The mutations that change the superblock at <paramref name="offset"/> of <paramref name="image"/>,
    /// each superblock once.</summary>
    public static IEnumerable<SuperblockMutation> For(byte[] image, long offset)
    {
        var seen = new HashSet<string> { Convert.ToHexString(image.AsSpan((int)offset, 96)) };
        return All.Where(m => seen.Add(Convert.ToHexString(m.AppliedTo(image, offset).AsSpan((int)offset, 96))));
    }

    public static SuperblockMutation Named(string name) => All.Single(m => m.Name == name);

    private static SuperblockMutation Change(string field, string kind, int offset, int size, Func<ulong, ulong> to) =>
        new($"{field}-{kind}", sb => Write(sb[offset..], size, to(Read(sb[offset..], size))));

    private static SuperblockMutation Swap(Field a, Field b) =>
        new($"{a.Name}-swap-{b.Name}", sb =>
        {
            ulong first = Read(sb[a.Offset..], 8), second = Read(sb[b.Offset..], 8);
            Write(sb[a.Offset..], 8, second);
            Write(sb[b.Offset..], 8, first);
        });

    private static ulong Read(Span<byte> at, int size) => size switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(at),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(at),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(at),
    };

    private static void Write(Span<byte> at, int size, ulong value)
    {
        if (size == 2) BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)value);
        else if (size == 4) BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)value);
        else BinaryPrimitives.WriteUInt64LittleEndian(at, value);
    }
}
