using System.Security.Cryptography;

namespace HpcRun.Build;

/// <summary>A read-only pass-through that hashes what is read and reports how much.</summary>
internal sealed class CountingStream(Stream inner, Action<long>? progress = null) : ReadOnlyStream
{
    private readonly IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long position;

    /// <summary>"sha256:HEX" of everything read so far.</summary>
    public string Digest => "sha256:" + Convert.ToHexStringLower(sha256.GetCurrentHash());

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        sha256.AppendData(buffer[..n]);
        position += n;
        progress?.Invoke(n);
        return n;
    }

    /// <summary>Reads what is left, so the digest covers the whole stream.</summary>
    public void Drain() => CopyTo(Null);

    /// <summary>Bytes read so far (the xz decoder asks).</summary>
    public override long Position { get => position; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { inner.Dispose(); sha256.Dispose(); }
        base.Dispose(disposing);
    }
}
