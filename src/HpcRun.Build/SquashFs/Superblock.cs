using System.Numerics;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// The superblock <see cref="SquashFsWriter"/> writes (squashfs_fs.h struct squashfs_super_block; format.adoc
/// "The superblock"): SquashFS 4.0, gzip, 128 KiB blocks, one id, no xattrs and no export table, duplicates
/// checked; positions in bytes from the superblock's first byte. Checked on reading by
/// <see cref="HpcRun.Image.Formats.SquashFsSuperblock.Read"/>.
/// </summary>
internal sealed record Superblock(uint Inodes, uint ModificationTime, uint Fragments, long RootInode, long BytesUsed,
    long IdTable, long InodeTable, long DirectoryTable, long FragmentTable, bool CompressorOptions)
{
    public const int Size = 96;
    private const uint Magic = 0x73717368; // "hsqs"
    private const ushort Gzip = 1;
    private const ushort Duplicates = 0x0040, NoXattrs = 0x0200, HasCompressorOptions = 0x0400;
    private const ulong Absent = ulong.MaxValue; // SQUASHFS_INVALID_BLK

    public byte[] ToBytes()
    {
        var bytes = new MemoryStream(Size);
        using (var field = new BinaryWriter(bytes))
        {
            field.Write(Magic);
            field.Write(Inodes);
            field.Write(ModificationTime);
            field.Write((uint)SquashFsWriter.BlockSize);
            field.Write(Fragments);
            field.Write(Gzip);
            field.Write((ushort)BitOperations.Log2(SquashFsWriter.BlockSize));
            field.Write((ushort)(Duplicates | NoXattrs | (CompressorOptions ? HasCompressorOptions : 0)));
            field.Write((ushort)1); // ids
            field.Write((ushort)4); // version 4.0
            field.Write((ushort)0);
            field.Write(RootInode);
            field.Write(BytesUsed);
            field.Write(IdTable);
            field.Write(Absent); // xattr id table
            field.Write(InodeTable);
            field.Write(DirectoryTable);
            field.Write(FragmentTable);
            field.Write(Absent); // export table
        }
        return bytes.ToArray();
    }
}
