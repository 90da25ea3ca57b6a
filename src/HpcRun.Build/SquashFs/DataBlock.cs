using System.Buffers;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// One block of file data or one fragment block on its way to the image: the bytes read into
/// <see cref="Buffer"/> (rented from the shared pool, <see cref="SquashFsWriter.BlockSize"/> bytes or more), then,
/// once <see cref="Compress"/> ran, the bytes to store and the block's size word; block <see cref="Index"/> of
/// <see cref="Run"/>.
/// </summary>
internal sealed class DataBlock(BlockRun run, int index, bool maySkipZeros)
{
    private const uint Uncompressed = 1u << 24; // squashfs_fs.h SQUASHFS_COMPRESSED_BIT_BLOCK

    public byte[] Buffer { get; } = ArrayPool<byte>.Shared.Rent(SquashFsWriter.BlockSize);
    public BlockRun Run { get; } = run;
    public int Index { get; } = index;

    /// <summary>Bytes in <see cref="Buffer"/>: read, then stored.</summary>
    public int Length { get; set; }

    public uint SizeWord { get; private set; }
    public ManualResetEventSlim Done { get; } = new();

    /// <summary>What compressing it threw (rethrown to the thread that writes it), if it did.</summary>
    public Exception? Error { get; set; }

    /// <summary>Replaces the bytes by what is stored: nothing for an all-zero full block of a file (mksquashfs's
    /// sparse block; never a fragment block), else zlib's bytes when shorter, else the bytes themselves.</summary>
    public void Compress(int level, MemoryStream scratch)
    {
        ReadOnlySpan<byte> bytes = Buffer.AsSpan(0, Length);
        if (maySkipZeros && Length == SquashFsWriter.BlockSize && !bytes.ContainsAnyExcept((byte)0))
        {
            (Length, SizeWord) = (0, 0);
        }
        else if (ZlibBlock.TryCompress(bytes, level, scratch))
        {
            Length = (int)scratch.Length;
            SizeWord = (uint)Length;
            scratch.GetBuffer().AsSpan(0, Length).CopyTo(Buffer);
        }
        else
        {
            SizeWord = (uint)Length | Uncompressed;
        }
    }

    /// <summary>The block's stored bytes are in the buffer already, copied from an earlier image
    /// (<see cref="BlockReuse"/>): <paramref name="length"/> of them, and its <paramref name="sizeWord"/>.</summary>
    public void Stored(int length, uint sizeWord)
    {
        (Length, SizeWord) = (length, sizeWord);
        Done.Set();
    }

    /// <summary>Gives the buffer back to the pool; the block is not used after.</summary>
    public void Release()
    {
        ArrayPool<byte>.Shared.Return(Buffer);
        Done.Dispose();
    }
}
