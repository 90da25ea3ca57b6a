using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Registry;

/// <summary>
/// A blob file that a download is writing, readable while it grows: <see cref="Open"/>'s streams read only the
/// bytes the download reported written (<see cref="Advance"/>), block until more come, end where the download
/// ended with the blob verified (<see cref="End"/> with no fault), and throw the download's fault once it failed.
/// </summary>
internal sealed class ArrivingBlob(string path)
{
    private readonly object gate = new(); // Monitor.Wait needs a Monitor lock, not a System.Threading.Lock
    private readonly string path = path;
    private long written;
    private bool ended;
    private Exception? fault;

    /// <summary>A blob already whole in <paramref name="path"/>.</summary>
    public static ArrivingBlob Present(string path)
    {
        var blob = new ArrivingBlob(path);
        blob.Advance(new FileInfo(path).Length);
        blob.End(null);
        return blob;
    }

    /// <summary>The download wrote <paramref name="bytes"/> more to the file (negative: it started over, the
    /// registry not resuming; it writes the same bytes again, or fails on the digest).</summary>
    public void Advance(long bytes)
    {
        lock (gate)
        {
            written += bytes;
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>The download ended: verified (<paramref name="failure"/> null) or failed. Only the first call
    /// counts.</summary>
    public void End(Exception? failure)
    {
        lock (gate)
        {
            if (ended) return;
            (ended, fault) = (true, failure);
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>A stream over the blob from its start, read as it arrives (the file need not exist yet).</summary>
    public Stream Open() => new Reader(this);

    /// <summary>Waits until bytes past <paramref name="position"/> are written or the download ended; how many
    /// there are (0: the end of the verified blob). Throws the download's fault.</summary>
    private long WaitBeyond(long position)
    {
        lock (gate)
        {
            while (written <= position && !ended) Monitor.Wait(gate);
            if (fault is not null) ExceptionDispatchInfo.Throw(fault);
            return Math.Max(written - position, 0);
        }
    }

    /// <summary>Reads by position (pread), so the writer's own file position is not shared; seekable back to
    /// where it was (<see cref="HpcRun.Build"/>'s decompression peeks at the magic number and starts over).</summary>
    private sealed class Reader(ArrivingBlob blob) : Stream
    {
        private SafeFileHandle? file;
        private long position;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            while (true)
            {
                long available = blob.WaitBeyond(position);
                if (available == 0) return 0;
                // Opened once bytes are there: the download creates the file when it starts.
                file ??= File.OpenHandle(blob.path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                int n = RandomAccess.Read(file, buffer[..(int)Math.Min(buffer.Length, available)], position);
                position += n;
                if (n > 0) return n; // none: the download started over under this read; wait for its bytes again
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            _ => throw new NotSupportedException("the end of an arriving blob is not known yet"),
        };

        public override long Position
        {
            get => position;
            set => position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) file?.Dispose();
            base.Dispose(disposing);
        }
    }
}
