namespace HpcRun.Build.SquashFs;

/// <summary>Where a file's content lies in the image being written, as <see cref="SquashFsWriter.AddData"/> gives
/// it; the same content added twice may share one.</summary>
internal sealed class FileData
{
    /// <summary>The content's length in bytes.</summary>
    public long Length { get; init; }

    /// <summary>The full blocks and short last block of content of a block or more; null below a block.</summary>
    internal BlockRun? Blocks { get; init; }

    /// <summary>The fragment block holding content shorter than a block (none when empty), and where in its
    /// uncompressed bytes the content starts.</summary>
    internal FragmentBlock? Fragment { get; init; }

    internal int FragmentOffset { get; init; }

    /// <summary>The content's key (<see cref="ContentKey"/>), by which the same content is stored once.</summary>
    internal ContentKey Key { get; init; }
}

/// <summary>
/// Consecutive data blocks of the image, written in the order they were added: their start (bytes from the
/// superblock, set when the first is written), each block's size word (squashfs_fs.h: the stored size, bit 24 set
/// for a block stored uncompressed, 0 for an all-zero block stored as nothing) and the bytes they take in all.
/// <see cref="SquashFsWriter.Finish"/> keeps those the tree refers to (<see cref="Live"/>) and moves them down.
/// </summary>
internal class BlockRun(int blocks)
{
    public long Start { get; set; }
    public uint[] Sizes { get; } = new uint[blocks];
    public long StoredLength { get; set; }
    public bool Live { get; set; }
}

/// <summary>A block of the tails of files shorter than a block, packed one after the other (mksquashfs's
/// fragments); <see cref="Index"/> is its entry in the fragment table, numbered once the live ones are known.</summary>
internal sealed class FragmentBlock() : BlockRun(1)
{
    public uint Index { get; set; }

    /// <summary>The key of its uncompressed bytes, when the writer copies or records blocks
    /// (<see cref="BlockReuse"/>).</summary>
    public ContentKey? Content { get; set; }
}
