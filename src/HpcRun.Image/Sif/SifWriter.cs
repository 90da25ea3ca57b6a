using System.Security.Cryptography;

namespace HpcRun.Image.Sif;

/// <summary>A data object to store after the partition: JSON metadata, labels, a definition file.</summary>
public sealed record SifObject(SifDataType Type, string Name, byte[] Data);

/// <summary>
/// Completes a SIF around a SquashFS file system already written at <see cref="PartitionOffset"/>
/// (mksquashfs -offset writes it in place, so it is never copied): appends the metadata
/// objects, then writes the header and descriptor table in front. The layout is the reference
/// one (48 descriptors at 4096, data from 32176, the partition 4096-aligned), and the ID is
/// derived from the content, so the same input gives the same bytes.
/// </summary>
public static class SifWriter
{
    public const int DescriptorCount = 48;
    public const long DescriptorsOffset = 4096;
    public const long DataOffset = DescriptorsOffset + DescriptorCount * SifDescriptor.EncodedSize;
    public const long PartitionOffset = (DataOffset + 4095) / 4096 * 4096;

    public static SifHeader Complete(FileStream file, long partitionSize, string archCode, long time,
        IReadOnlyList<SifObject> objects)
    {
        var descriptors = new List<SifDescriptor>
        {
            new()
            {
                DataType = SifDataType.Partition, Id = 1, GroupId = 1, Offset = PartitionOffset, Size = partitionSize,
                SizeWithPadding = PartitionOffset - DataOffset + partitionSize, CreatedAt = time, ModifiedAt = time,
                Extra = SifDescriptor.PartitionExtra(SifFsType.Squashfs, SifPartType.PrimSys, archCode),
            },
        };
        long offset = PartitionOffset + partitionSize;
        file.SetLength(offset);
        file.Position = offset;
        foreach (SifObject o in objects)
        {
            file.Write(o.Data);
            descriptors.Add(new SifDescriptor
            {
                DataType = o.Type,
                Id = (uint)descriptors.Count + 1,
                GroupId = 1,
                Offset = offset,
                Size = o.Data.Length,
                SizeWithPadding = o.Data.Length,
                CreatedAt = time,
                ModifiedAt = time,
                Name = o.Name,
            });
            offset += o.Data.Length;
        }
        var header = new SifHeader
        {
            LaunchScript = SifHeader.DefaultLaunchScript,
            Arch = archCode,
            Id = ContentId(file),
            CreatedAt = time,
            ModifiedAt = time,
            DescriptorsFree = DescriptorCount - descriptors.Count,
            DescriptorsTotal = DescriptorCount,
            DescriptorsOffset = DescriptorsOffset,
            DescriptorsSize = DescriptorCount * SifDescriptor.EncodedSize,
            DataOffset = DataOffset,
            DataSize = offset - DataOffset,
        };
        var front = new byte[PartitionOffset];
        header.Write(front);
        for (int i = 0; i < descriptors.Count; i++)
            descriptors[i].Write(front.AsSpan((int)DescriptorsOffset + i * SifDescriptor.EncodedSize));
        file.Position = 0;
        file.Write(front);
        return header;
    }

    /// <summary>A UUID (version 5 layout) from the SHA-256 of everything after the descriptors.
    /// Read 1 MiB at a time: the stream's own 4 KiB reads made a 100 MB image's hash 25,000 system calls.</summary>
    private static Guid ContentId(FileStream file)
    {
        file.Flush(); // the objects just written, for the reads below, which go past the stream's buffer
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        for (long at = PartitionOffset, n; (n = RandomAccess.Read(file.SafeFileHandle, buffer, at)) > 0; at += n)
            sha256.AppendData(buffer, 0, (int)n);
        Span<byte> id = sha256.GetHashAndReset().AsSpan(0, 16);
        id[6] = (byte)(id[6] & 0x0F | 0x50);
        id[8] = (byte)(id[8] & 0x3F | 0x80);
        return new Guid(id, bigEndian: true);
    }
}
