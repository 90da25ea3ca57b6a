using System.Buffers.Binary;
using System.Security.Cryptography;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// Writes a SquashFS 4.0 file system (squashfs_fs.h; squashfs-tools-ng's doc/format.adoc) into a file at a given
/// offset, as mksquashfs would from the same tree with <c>-all-root -no-xattrs -no-exports</c>: gzip (zlib) blocks
/// of 128 KiB compressed in parallel, files smaller than a block packed into fragments, identical content stored once.
/// File content is stored as it arrives (<see cref="AddData"/>), so the tree never exists on disk; <see cref="Finish"/>
/// writes the inode, directory, fragment and id tables and the superblock once the tree is complete.
/// Layout from the superblock: the superblock, gzip's compressor options (when the level is not mksquashfs's
/// default 9, as mksquashfs stores them), the data and fragment blocks, then the tables in mksquashfs's order.
/// </summary>
internal sealed class SquashFsWriter : IDisposable
{
    /// <summary>The data block size, bytes (mksquashfs's default).</summary>
    public const int BlockSize = 128 * 1024;
    private const int DefaultLevel = 9; // gzip_wrapper.h GZIP_DEFAULT_COMPRESSION_LEVEL: no options stored
    private const int Padding = 4096; // mksquashfs pads the file system to 4 KiB

    private readonly FileStream output;
    private readonly long offset;
    private readonly int level;
    private readonly long dataStart; // the first data block's position, bytes from the superblock
    private readonly BlockPipeline pipeline;
    private readonly List<BlockRun> runs = []; // in the order written, so by position
    private readonly Dictionary<ContentKey, FileData> stored = [];
    private readonly byte[] tail = new byte[BlockSize];
    private readonly byte[] copied = new byte[BlockSize]; // a fragment block's stored bytes, read from Reuse
    private FragmentBlock fragment = new();
    private DataBlock? fragmentBytes; // the fragment block being filled, null until a file goes in

    /// <summary>What the writer copies from an earlier image, and keeps of this one (null: nothing).</summary>
    public BlockReuse? Reuse { get; set; }

    /// <summary>Writes into <paramref name="output"/> (open for reading and writing), the superblock at byte
    /// <paramref name="offset"/>; blocks compressed at zlib <paramref name="level"/> (1-9) by
    /// <paramref name="threads"/> threads. Nothing is written below <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative offset, a level out of 1-9 or fewer than 1 thread.
    /// </exception>
    public SquashFsWriter(FileStream output, long offset, int level, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        (this.output, this.offset, this.level) = (output, offset, level);
        dataStart = Superblock.Size;
        if (level != DefaultLevel)
        {
            byte[] options = CompressorOptions(level);
            output.Position = offset + dataStart;
            output.Write(options);
            dataStart += options.Length;
        }
        pipeline = new BlockPipeline(output, offset, dataStart, level, threads);
    }

    /// <summary>Stores the next <paramref name="length"/> bytes of <paramref name="content"/>; returns once they are
    /// read (compression may still run). Throws <see cref="EndOfStreamException"/> when the stream ends first, and
    /// rethrows what the stream throws (or what writing the output threw). Once <paramref name="cancel"/> fired
    /// (<see cref="OperationCanceledException"/>) the compressing threads are stopped and every later call throws
    /// that too: the writer is only to be disposed.</summary>
    public FileData AddData(Stream content, long length, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using CancellationTokenRegistration stopping = pipeline.StopOn(cancel);
        return length == 0 ? new FileData() : length < BlockSize ? Tail(content, (int)length, cancel)
            : Blocks(content, length, cancel);
    }

    /// <summary>Writes the file system of <paramref name="root"/>, its time <paramref name="modificationTime"/>
    /// (seconds since 1970), once all data is stored; content no file of the tree refers to is left out of the
    /// image. Returns the file system's size in bytes (bytes_used), the file ending at offset + that size, padded
    /// to 4 KiB as mksquashfs pads it. Errors and cancellation as <see cref="AddData"/>.</summary>
    /// <exception cref="ArgumentException">A name in the tree empty or longer than 256 bytes.</exception>
    public long Finish(FsDirectory root, uint modificationTime, CancellationToken cancel)
    {
        using CancellationTokenRegistration stopping = pipeline.StopOn(cancel);
        FlushFragment();
        pipeline.Drain();
        (List<TreeInode> order, Dictionary<FsNode, TreeInode> byNode) = TreeOrder.Of(root);
        foreach (TreeInode inode in order)
            if (inode.Node is FsFile { Data: var data })
            {
                if (data.Blocks is { } blocks) blocks.Live = true;
                if (data.Fragment is { } block) block.Live = true;
            }
        long end = DataCompaction.Compact(output, offset, runs, dataStart, cancel);
        var fragments = runs.OfType<FragmentBlock>().Where(f => f.Live).ToList();
        for (int i = 0; i < fragments.Count; i++) fragments[i].Index = (uint)i;
        Reuse?.Finished(fragments);
        Superblock superblock = WriteTables(order, byNode, fragments, end, modificationTime);
        // Zeros, not what compaction left there, up to the padded end; nothing past it.
        output.Position = offset + superblock.BytesUsed;
        output.Write(new byte[(Padding - superblock.BytesUsed % Padding) % Padding]);
        output.SetLength(output.Position);
        output.Position = offset;
        output.Write(superblock.ToBytes());
        output.Flush();
        return superblock.BytesUsed;
    }

    /// <summary>Stops the compressing threads and waits for them, whether or not the image was finished.</summary>
    public void Dispose()
    {
        pipeline.Dispose();
        fragmentBytes?.Release();
        fragmentBytes = null;
    }

    /// <summary>Content shorter than a block: read whole, then packed into the current fragment block unless the
    /// same content was stored before.</summary>
    private FileData Tail(Stream content, int length, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        content.ReadExactly(tail, 0, length);
        var key = Key(length, SHA256.HashData(tail.AsSpan(0, length)));
        if (stored.TryGetValue(key, out FileData? earlier)) return earlier;
        if (fragmentBytes is { } filling && filling.Length + length > BlockSize) FlushFragment();
        fragmentBytes ??= new DataBlock(fragment, 0, maySkipZeros: false);
        var data = new FileData
        {
            Length = length,
            Fragment = fragment,
            FragmentOffset = fragmentBytes.Length,
            Key = key,
        };
        tail.AsSpan(0, length).CopyTo(fragmentBytes.Buffer.AsSpan(fragmentBytes.Length));
        fragmentBytes.Length += length;
        return stored[key] = data;
    }

    /// <summary>The content of a file of a block or more that the earlier image of <see cref="Reuse"/> holds under
    /// <paramref name="id"/>: its stored blocks copied, in the place its compressed blocks would take, or the
    /// content stored before; null, with nothing of it kept, when there is none or it cannot be read whole.</summary>
    public FileData? Reused(FileIdentity id, CancellationToken cancel)
    {
        if (Reuse?.File(id) is not { } file || file.Key.Length != (long)id.Size || id.Size < BlockSize
            || file.Sizes.Length != (long)((id.Size + BlockSize - 1) / BlockSize))
            return null;
        using CancellationTokenRegistration stopping = pipeline.StopOn(cancel);
        if (stored.TryGetValue(file.Key, out FileData? earlier)) return earlier;
        var run = new BlockRun(file.Sizes.Length);
        runs.Add(run); // a run left short by a failed read is no file's: Finish drops it
        long at = file.Start;
        for (int i = 0; i < file.Sizes.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var block = new DataBlock(run, i, maySkipZeros: true);
            if (!Reuse.TryRead(at, file.Sizes[i], block.Buffer, out int length))
            {
                block.Release();
                return null;
            }
            block.Stored(length, file.Sizes[i]);
            pipeline.AddStored(block);
            at += length;
        }
        return stored[file.Key] = new FileData { Length = file.Key.Length, Blocks = run, Key = file.Key };
    }

    /// <summary>Content of a block or more: full blocks and a short last one, queued as they are read; when the same
    /// content was stored before, the earlier copy is returned and this one left for <see cref="Finish"/> to
    /// drop.</summary>
    private FileData Blocks(Stream content, long length, CancellationToken cancel)
    {
        var run = new BlockRun((int)((length + BlockSize - 1) / BlockSize));
        runs.Add(run);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < run.Sizes.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var block = new DataBlock(run, i, maySkipZeros: true);
            try
            {
                block.Length = (int)Math.Min(BlockSize, length - (long)i * BlockSize);
                content.ReadExactly(block.Buffer, 0, block.Length);
                hash.AppendData(block.Buffer, 0, block.Length);
            }
            catch
            {
                block.Release(); // not queued: nobody else gives its buffer back
                throw;
            }
            pipeline.Add(block);
        }
        var key = Key(length, hash.GetHashAndReset());
        if (stored.TryGetValue(key, out FileData? earlier)) return earlier;
        return stored[key] = new FileData { Length = length, Blocks = run, Key = key };
    }

    private void FlushFragment()
    {
        if (fragmentBytes is null) return;
        runs.Add(fragment);
        DataBlock block = fragmentBytes;
        FragmentBlock flushed = fragment;
        (fragment, fragmentBytes) = (new FragmentBlock(), null);
        if (Reuse is null)
        {
            pipeline.Add(block);
            return;
        }
        // The same packed tails as a fragment block of the earlier image: its stored bytes are these compressed.
        flushed.Content = Key(block.Length, SHA256.HashData(block.Buffer.AsSpan(0, block.Length)));
        // Read aside, not into the block: a failed read leaves the block's bytes whole, to be compressed.
        if (Reuse.Fragment(flushed.Content.Value) is ({ } start, { } size)
            && Reuse.TryRead(start, size, copied, out int n))
        {
            copied.AsSpan(0, n).CopyTo(block.Buffer);
            block.Stored(n, size);
            pipeline.AddStored(block);
        }
        else pipeline.Add(block);
    }

    /// <summary>Writes the tables from <paramref name="end"/> (bytes from the superblock), after the data: inode,
    /// directory, fragment and id tables; the superblock that points to them.</summary>
    private Superblock WriteTables(List<TreeInode> order, Dictionary<FsNode, TreeInode> byNode,
        List<FragmentBlock> fragments, long end, uint modificationTime)
    {
        (MemoryStream inodes, MemoryStream directories, long rootInode) = InodeTables.Write(order, byNode, level);
        var layout = new TableWriter(output, offset, end);
        long inodeTable = layout.Append(inodes), directoryTable = layout.Append(directories);
        // No fragment: an empty table, its start where its index would be (the id table's), as mksquashfs has it.
        long fragmentTable = layout.AppendIndexed(FragmentEntries(fragments), level);
        long idTable = layout.AppendIndexed(new byte[4], level); // one id: 0, root
        return new Superblock((uint)order.Count, modificationTime, (uint)fragments.Count, rootInode, layout.End,
            idTable, inodeTable, directoryTable, fragmentTable, level != DefaultLevel);
    }

    private static ContentKey Key(long length, byte[] sha256) =>
        new(length, BinaryPrimitives.ReadUInt128LittleEndian(sha256), BinaryPrimitives.ReadUInt128LittleEndian(
            sha256.AsSpan(16)));

    /// <summary>The fragment table's entries (squashfs_fs.h struct squashfs_fragment_entry): each block's start,
    /// size word and 4 unused bytes.</summary>
    private static byte[] FragmentEntries(List<FragmentBlock> fragments)
    {
        var entries = new byte[fragments.Count * 16];
        for (int i = 0; i < fragments.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(entries.AsSpan(i * 16), fragments[i].Start);
            BinaryPrimitives.WriteUInt32LittleEndian(entries.AsSpan(i * 16 + 8), fragments[i].Sizes[0]);
        }
        return entries;
    }

    /// <summary>gzip's compressor options (gzip_wrapper.h struct gzip_comp_opts: level, window size 15, no
    /// strategy) as mksquashfs stores them: an uncompressed metadata block right after the superblock.</summary>
    private static byte[] CompressorOptions(int level)
    {
        var block = new byte[2 + 8];
        BinaryPrimitives.WriteUInt16LittleEndian(block, 0x8000 | 8);
        BinaryPrimitives.WriteInt32LittleEndian(block.AsSpan(2), level);
        BinaryPrimitives.WriteInt16LittleEndian(block.AsSpan(6), 15);
        return block;
    }
}
