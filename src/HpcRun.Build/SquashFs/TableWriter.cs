namespace HpcRun.Build.SquashFs;

/// <summary>Writes the tables after the data blocks, one after the other from <see cref="End"/> (bytes from the
/// superblock at <c>offset</c> of the output), each ending where the next begins, as
/// <see cref="HpcRun.Image.Formats.SquashFsTables"/> checks them.</summary>
internal sealed class TableWriter(FileStream output, long offset, long end)
{
    /// <summary>Where the next table goes, bytes from the superblock; bytes_used once all are written.</summary>
    public long End { get; private set; } = end;

    /// <summary>Writes <paramref name="table"/>'s bytes (metadata blocks); returns where they start.</summary>
    public long Append(MemoryStream table)
    {
        long start = End;
        output.Position = offset + start;
        output.Write(table.GetBuffer(), 0, (int)table.Length);
        End += table.Length;
        return start;
    }

    /// <summary>Writes <paramref name="entries"/> as metadata blocks compressed at zlib <paramref name="level"/>,
    /// then their index (squashfs_fs.h: the id, fragment and export tables): the little-endian 64-bit position of
    /// each block. Returns where the index starts, the superblock's start of the table; nothing is written for no
    /// entries.</summary>
    public long AppendIndexed(ReadOnlySpan<byte> entries, int level)
    {
        var blocks = new MetadataWriter(level);
        blocks.Write(entries);
        long start = Append(blocks.Finish());
        var index = new MemoryStream();
        using (var position = new BinaryWriter(index, System.Text.Encoding.UTF8, leaveOpen: true))
            foreach (long block in blocks.BlockStarts) position.Write(start + block);
        return Append(index);
    }
}
