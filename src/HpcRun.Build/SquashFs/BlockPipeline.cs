using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// Compresses data blocks on worker threads and writes them to the image in the order they were added, so that
/// the same input gives the same bytes whatever the number of threads. At most <c>2 × threads + 2</c> blocks are
/// in flight (about 128 KiB each): <see cref="Add"/> writes the oldest, waiting for it, beyond that. Blocks are
/// written one after the other by the thread that adds them, and their runs told where they went.
/// </summary>
internal sealed class BlockPipeline : IDisposable
{
    private readonly FileStream output;
    private readonly long offset;
    private readonly int window;
    private readonly BlockingCollection<DataBlock> work = new();
    private readonly Queue<DataBlock> pending = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Thread[] workers;
    private long end; // where the next block goes, bytes from the superblock
    private bool disposed;

    /// <summary>Blocks go to <paramref name="output"/> from <paramref name="end"/> bytes past the superblock at
    /// <paramref name="offset"/>, compressed at zlib <paramref name="level"/> by <paramref name="threads"/>
    /// threads.</summary>
    public BlockPipeline(FileStream output, long offset, long end, int level, int threads)
    {
        (this.output, this.offset, this.end, window) = (output, offset, end, 2 * threads + 2);
        workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() => Compress(level)) { IsBackground = true, Name = "squashfs-deflate" };
            workers[i].Start();
        }
    }

    /// <summary>Queues <paramref name="block"/> (filled to its length) after those added before.</summary>
    /// <exception cref="OperationCanceledException">The workers were stopped (<see cref="StopOn"/>).</exception>
    public void Add(DataBlock block)
    {
        pending.Enqueue(block);
        work.Add(block, stop.Token);
        while (pending.Count > window) WriteOldest();
    }

    /// <summary>Queues <paramref name="block"/>, its stored bytes there already (<see cref="DataBlock.Stored"/>),
    /// after those added before; no thread compresses it.</summary>
    public void AddStored(DataBlock block)
    {
        pending.Enqueue(block);
        while (pending.Count > window) WriteOldest();
    }

    /// <summary>Writes every block added; rethrows what compressing one threw.</summary>
    /// <exception cref="OperationCanceledException">The workers were stopped (<see cref="StopOn"/>).</exception>
    public void Drain()
    {
        while (pending.Count > 0) WriteOldest();
    }

    /// <summary>Stops the workers now (their current block finished), waits until they ended, and gives back the
    /// buffers of blocks not written.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stop.Cancel();
        work.CompleteAdding();
        foreach (Thread worker in workers) worker.Join();
        while (pending.TryDequeue(out DataBlock? block)) block.Release();
        work.Dispose();
        stop.Dispose();
    }

    /// <summary>Stops the workers when <paramref name="cancel"/> fires: what waits for them then throws
    /// <see cref="OperationCanceledException"/>, now and on every later call. Dispose the registration once the
    /// call it covers returns.</summary>
    public CancellationTokenRegistration StopOn(CancellationToken cancel) => cancel.Register(stop.Cancel);

    private void WriteOldest()
    {
        DataBlock block = pending.Peek();
        block.Done.Wait(stop.Token);
        if (block.Error is { } error) ExceptionDispatchInfo.Throw(error);
        output.Position = offset + end;
        output.Write(block.Buffer, 0, block.Length);
        BlockRun run = block.Run;
        if (block.Index == 0) run.Start = end;
        run.Sizes[block.Index] = block.SizeWord;
        run.StoredLength += block.Length;
        end += block.Length;
        pending.Dequeue().Release();
    }

    private void Compress(int level)
    {
        using var scratch = new MemoryStream();
        try
        {
            foreach (DataBlock block in work.GetConsumingEnumerable(stop.Token))
            {
                try { block.Compress(level, scratch); }
                catch (Exception e) { block.Error = e; } // the writing thread rethrows it
                block.Done.Set();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { } // Dispose or StopOn: stop here
    }
}
