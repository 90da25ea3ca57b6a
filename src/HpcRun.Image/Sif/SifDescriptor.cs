using System.Buffers.Binary;

namespace HpcRun.Image.Sif;

/// <summary>One 585-byte entry of the descriptor table: where a data object lies and what it is.</summary>
public sealed record SifDescriptor
{
    public const int EncodedSize = 585;
    /// <summary>Group IDs are stored OR-ed with this mask; a linked ID with it names a group, not an object.</summary>
    public const uint GroupMask = 0xF0000000;

    public SifDataType DataType { get; init; }
    public uint Id { get; init; }
    /// <summary>The object's group, 0 for none.</summary>
    public uint GroupId { get; init; }
    /// <summary>The raw link: an object ID, or a group ID OR-ed with <see cref="GroupMask"/>.</summary>
    public uint LinkedId { get; init; }
    public long Offset { get; init; }
    public long Size { get; init; }
    public long SizeWithPadding { get; init; }
    public long CreatedAt { get; init; }
    public long ModifiedAt { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public string Name { get; init; } = "";
    public byte[] Extra { get; init; } = new byte[384];

    public bool LinksGroup => (LinkedId & GroupMask) == GroupMask;
    public uint LinkedTarget => LinkedId & ~GroupMask;

    public SifFsType? FsType => DataType == SifDataType.Partition ? (SifFsType)ExtraInt(0) : null;
    public SifPartType? PartType => DataType == SifDataType.Partition ? (SifPartType)ExtraInt(4) : null;
    /// <summary>Architecture code of a partition.</summary>
    public string? Arch => DataType == SifDataType.Partition ? SifText.Read(Extra.AsSpan(8, 3)) : null;
    public SifHashType? HashType => DataType == SifDataType.Signature ? (SifHashType)ExtraInt(0) : null;
    /// <summary>Signing entity (key fingerprint) of a signature, as hex.</summary>
    public string? Entity =>
        DataType == SifDataType.Signature ? Convert.ToHexString(Extra.AsSpan(4, 256).TrimEnd((byte)0)) : null;

    /// <summary>Returns null for an unused slot.</summary>
    public static SifDescriptor? Parse(ReadOnlySpan<byte> b)
    {
        if (b[4] == 0) return null;
        return new SifDescriptor
        {
            DataType = (SifDataType)BinaryPrimitives.ReadInt32LittleEndian(b),
            Id = BinaryPrimitives.ReadUInt32LittleEndian(b[5..]),
            GroupId = BinaryPrimitives.ReadUInt32LittleEndian(b[9..]) & ~GroupMask,
            LinkedId = BinaryPrimitives.ReadUInt32LittleEndian(b[13..]),
            Offset = Int64(b, 17),
            Size = Int64(b, 25),
            SizeWithPadding = Int64(b, 33),
            CreatedAt = Int64(b, 41),
            ModifiedAt = Int64(b, 49),
            Uid = Int64(b, 57),
            Gid = Int64(b, 65),
            Name = SifText.Read(b.Slice(73, 128)),
            Extra = b.Slice(201, 384).ToArray(),
        };
    }

    public void Write(Span<byte> b)
    {
        b[..EncodedSize].Clear();
        BinaryPrimitives.WriteInt32LittleEndian(b, (int)DataType);
        b[4] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(b[5..], Id);
        BinaryPrimitives.WriteUInt32LittleEndian(b[9..], GroupId | GroupMask);
        BinaryPrimitives.WriteUInt32LittleEndian(b[13..], LinkedId);
        long[] fields = [Offset, Size, SizeWithPadding, CreatedAt, ModifiedAt, Uid, Gid];
        for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b[(17 + 8 * i)..], fields[i]);
        SifText.Write(b.Slice(73, 128), Name);
        Extra.AsSpan(0, Math.Min(Extra.Length, 384)).CopyTo(b[201..]);
    }

    /// <summary>The Extra field of a partition object.</summary>
    public static byte[] PartitionExtra(SifFsType fs, SifPartType part, string archCode)
    {
        var extra = new byte[384];
        BinaryPrimitives.WriteInt32LittleEndian(extra, (int)fs);
        BinaryPrimitives.WriteInt32LittleEndian(extra.AsSpan(4), (int)part);
        SifText.Write(extra.AsSpan(8, 3), archCode);
        return extra;
    }

    private int ExtraInt(int at) => BinaryPrimitives.ReadInt32LittleEndian(Extra.AsSpan(at));
    private static long Int64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadInt64LittleEndian(b[at..]);
}
