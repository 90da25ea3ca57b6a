using Microsoft.Win32.SafeHandles;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// What <see cref="SquashFsWriter"/> copies from an earlier image instead of compressing again, and what it keeps
/// of the image it writes for a later one. <see cref="From"/>: an earlier image's index and its file, open, checked
/// against the index when it was opened (<see cref="ReuseIndex.ImageStat"/>); every read of it is bounded by the
/// file's size then (<paramref name="imageSize"/>, bytes), and the first that fails (a truncated or unreadable
/// image) stops all reuse, the writer reading and compressing the source instead, so a damaged earlier image costs
/// time, never a wrong image.
/// <paramref name="recordAs"/>: the writer (<see cref="ReuseIndex.WriterOf"/>) whose image is recorded: the files
/// met and the fragment blocks written are kept for <see cref="Finished"/>; null: nothing recorded.
/// <paramref name="stopped"/>: called when a read fails and the copying stops.
/// </summary>
internal sealed class BlockReuse(ReuseIndex? from, SafeFileHandle? image, long imageSize, string? recordAs,
    Action? stopped = null) : IDisposable
{
    private const uint Uncompressed = 1u << 24; // squashfs_fs.h SQUASHFS_COMPRESSED_BIT_BLOCK
    private readonly List<(FileIdentity Id, FileData Data)> met = [];
    private bool failed;

    public ReuseIndex? From => failed ? null : from;

    /// <summary>How many stored blocks were read from the earlier image.</summary>
    public int Copied { get; private set; }

    /// <summary>The index of the image just written (<see cref="Finished"/>), null until then or when not
    /// recording.</summary>
    public ReuseIndex? Written { get; private set; }

    /// <summary>The stored blocks of a file with <paramref name="id"/> in the earlier image; null when it has none.
    /// </summary>
    public ReusedFile? File(FileIdentity id) => From?.Files.GetValueOrDefault(id);

    /// <summary>A fragment block of the earlier image with the uncompressed bytes whose key is <paramref name="key"/>:
    /// its start (bytes from the superblock) and size word.</summary>
    public (long Start, uint Size)? Fragment(ContentKey key) =>
        From?.Fragments.TryGetValue(key, out var found) == true ? found : null;

    /// <summary>Bytes a size word says a block takes (bit 24 only says it is stored uncompressed).</summary>
    private static int StoredSize(uint sizeWord) => (int)(sizeWord & ~Uncompressed);

    /// <summary>Reads the stored bytes of the block whose size word is <paramref name="sizeWord"/> at
    /// <paramref name="start"/> (bytes from the earlier image's superblock) into <paramref name="buffer"/> (a block
    /// long or more); their <paramref name="length"/>. False, and no reuse from now on, when they are not all there
    /// or the size word is more than a block.</summary>
    public bool TryRead(long start, uint sizeWord, byte[] buffer, out int length)
    {
        length = StoredSize(sizeWord);
        if (From is not { } index || image is null) return false;
        long at = index.Offset + start;
        if (start < 0 || length > SquashFsWriter.BlockSize || at + length > imageSize) return Fail();
        try
        {
            for (int done = 0, n; done < length; done += n)
                if ((n = RandomAccess.Read(image, buffer.AsSpan(done, length - done), at + done)) <= 0) return Fail();
            Copied++;
            return true;
        }
        catch (IOException) { return Fail(); }
    }

    private bool Fail()
    {
        if (!failed) stopped?.Invoke();
        failed = true;
        return false;
    }

    /// <summary>Keeps that the file <paramref name="id"/> has <paramref name="data"/> (when recording).</summary>
    public void Met(FileIdentity id, FileData data)
    {
        if (recordAs is not null && data.Blocks is not null) met.Add((id, data));
    }

    /// <summary>The image is written: <paramref name="fragments"/> are its live fragment blocks, and every live run
    /// has its final start. Makes <see cref="Written"/> when recording.</summary>
    public void Finished(IEnumerable<FragmentBlock> fragments)
    {
        if (recordAs is null) return;
        var index = new ReuseIndex { Writer = recordAs, Image = "" };
        foreach ((FileIdentity id, FileData data) in met)
            if (data.Blocks is { Live: true } run)
                index.Files[id] = new ReusedFile(data.Key, run.Start, [.. run.Sizes]);
        foreach (FragmentBlock block in fragments)
            if (block.Content is { } key) index.Fragments.TryAdd(key, (block.Start, block.Sizes[0]));
        Written = index;
    }

    public void Dispose() => image?.Dispose();
}
