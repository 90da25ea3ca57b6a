using HpcRun.Image.Registry;
using static HpcRun.Host.OpenSsl;

namespace HpcRun.Host;

/// <summary>
/// The TLS session of the tag check's last full handshake with a registry, kept in the image cache
/// (<see cref="ImageCache.TlsSessionDirectory"/>) so that the next launch resumes it (RFC 8446 section 2.2: the
/// ticket the registry sent, offered as a pre-shared key) instead of making a full handshake: no certificate chain
/// for the registry to send and the launcher to verify, no signature for the registry to make. The file is private
/// to its user (0600 in a 0700 directory): it holds the session's secret. A session is offered only under the roots
/// that verified it (the file's name says which, <see cref="ImageCache.TlsSessionName"/>), and OpenSSL offers no
/// expired one (the ticket's lifetime, RFC 8446 section 4.6.1). A file that cannot be read or parsed is no session:
/// the handshake is a full one, whose session replaces the file. curl keeps its sessions the same way
/// (--ssl-sessions). Paths are under <see cref="cacheRoot"/>, a "/proc/self/fd/N" of the cache held open since the
/// launch began (the check runs after the launch has changed its view of the host's /tmp).
/// </summary>
internal sealed unsafe class TlsSessionFile(string cacheRoot, string name)
{
    private const int MaxSession = 16 << 10; // a session with its certificate is 1 to 3 KiB

    private string Directory => $"{cacheRoot}/tls";

    private string Path => $"{Directory}/{name}";

    /// <summary>The session kept, to offer (SSL_set_session(3)); 0 when none is, or it cannot be read. The caller
    /// frees it (SSL_SESSION_free).</summary>
    public nint Load()
    {
        byte[] bytes;
        try
        {
            using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (file.Length is 0 or > MaxSession) return 0;
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        fixed (byte* start = bytes)
        {
            byte* cursor = start;
            return d2i_SSL_SESSION(0, &cursor, bytes.Length);
        }
    }

    /// <summary>Keeps <paramref name="session"/> in place of the last one: written whole under a name of this
    /// process and renamed, so that another launch reads the old session or the new one, never a part. A cache
    /// that cannot take it keeps nothing: the next launch makes a full handshake again.</summary>
    public void Save(nint session)
    {
        int length = i2d_SSL_SESSION(session, null);
        if (length is <= 0 or > MaxSession) return;
        byte[] bytes = new byte[length];
        fixed (byte* start = bytes)
        {
            byte* cursor = start;
            if (i2d_SSL_SESSION(session, &cursor) != length) return;
        }
        string temporary = $"{Path}.{Environment.ProcessId}";
        try
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite
                | UnixFileMode.UserExecute);
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                BufferSize = 1,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var file = new FileStream(temporary, options)) file.Write(bytes);
            File.Move(temporary, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); }
            catch (Exception f) when (f is IOException or UnauthorizedAccessException) { } // nothing was made
        }
    }
}
