namespace HpcRun.Build.SquashFs;

/// <summary>
/// Drops the data blocks no file of the tree refers to (the content of files a later layer replaced or deleted,
/// second copies of content stored once): the live runs of blocks move down over the holes, in the order they were
/// written, so a run only ever moves to a lower position and the bytes it leaves are ones already copied.
/// </summary>
internal static class DataCompaction
{
    private const int Chunk = 1 << 20;

    /// <summary>Moves the <see cref="BlockRun.Live"/> ones of <paramref name="runs"/> (by position) of the file
    /// system at <paramref name="offset"/> of <paramref name="output"/> down to <paramref name="start"/> on, and
    /// sets their new starts; returns where the data then ends (bytes from the superblock).</summary>
    public static long Compact(FileStream output, long offset, List<BlockRun> runs, long start,
        CancellationToken cancel)
    {
        long end = start;
        byte[] buffer = [];
        foreach (BlockRun run in runs.Where(r => r.Live))
        {
            if (run.Start != end)
            {
                if (buffer.Length == 0) buffer = new byte[Chunk];
                for (long done = 0; done < run.StoredLength; done += Chunk)
                {
                    cancel.ThrowIfCancellationRequested();
                    int n = (int)Math.Min(Chunk, run.StoredLength - done);
                    output.Position = offset + run.Start + done;
                    output.ReadExactly(buffer, 0, n);
                    output.Position = offset + end + done;
                    output.Write(buffer, 0, n);
                }
                run.Start = end;
            }
            end += run.StoredLength;
        }
        return end;
    }
}
