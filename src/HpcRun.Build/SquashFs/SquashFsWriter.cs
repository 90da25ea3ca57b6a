namespace HpcRun.Build.SquashFs;

/// <summary>Where a file's content lies in the image being written, as <see cref="SquashFsWriter.AddData"/> gives
/// it; the same content added twice may share one.</summary>
internal sealed class FileData
{
    /// <summary>The content's length in bytes.</summary>
    public long Length { get; init; }
}

/// <summary>
/// Writes a SquashFS 4.0 file system (squashfs_fs.h; squashfs-tools-ng's doc/format.adoc) into a file at a given
/// offset, as mksquashfs would from the same tree with <c>-all-root -no-xattrs -no-exports</c>: gzip (zlib) blocks
/// of 128 KiB compressed in parallel, files smaller than a block packed into fragments, identical content stored once.
/// File content is stored as it arrives (<see cref="AddData"/>), so the tree never exists on disk; <see cref="Finish"/>
/// writes the inode, directory, fragment and id tables and the superblock once the tree is complete.
/// </summary>
internal sealed class SquashFsWriter : IDisposable
{
    /// <summary>The data block size, bytes (mksquashfs's default).</summary>
    public const int BlockSize = 128 * 1024;

    /// <summary>Writes into <paramref name="output"/> (open for reading and writing), the superblock at byte
    /// <paramref name="offset"/>; blocks compressed at zlib <paramref name="level"/> (1-9) by
    /// <paramref name="threads"/> threads.</summary>
    public SquashFsWriter(FileStream output, long offset, int level, int threads) =>
        throw new NotImplementedException();

    /// <summary>Stores the next <paramref name="length"/> bytes of <paramref name="content"/>; returns once they are
    /// read (compression may still run). Throws <see cref="EndOfStreamException"/> when the stream ends first, and
    /// rethrows what the stream throws.</summary>
    public FileData AddData(Stream content, long length, CancellationToken cancel) =>
        throw new NotImplementedException();

    /// <summary>Writes the file system of <paramref name="root"/>, its time <paramref name="modificationTime"/>
    /// (seconds since 1970), once all data is stored; content no file of the tree refers to is left out of the
    /// image. Returns the file system's size in bytes (bytes_used), the file ending at offset + that size, padded
    /// to 4 KiB as mksquashfs pads it.</summary>
    public long Finish(FsDirectory root, uint modificationTime, CancellationToken cancel) =>
        throw new NotImplementedException();

    public void Dispose() { }
}
