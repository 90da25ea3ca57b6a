using System.Runtime.InteropServices;
using HpcRun.Image.Text;

namespace HpcRun.Image.Posix;

/// <summary>A small text file the user or the site names (an --env-file, hpcrun.conf), read whole with its bytes
/// kept (<see cref="RawText"/>). A pipe (`--env-file &lt;(...)`) is read to its end.</summary>
public static class SmallTextFile
{
    /// <summary>At most this many bytes (1 MiB) are read.</summary>
    public const int Limit = 1 << 20;

    /// <summary>The file's text, or null when it cannot be read: <paramref name="errno"/> is open(2)'s error, or 0
    /// when it opened but is not a regular file or pipe.</summary>
    public static string? TryRead(string path, out int errno)
    {
        int fd = Libc.TryOpen(path, Libc.O_RDONLY | Libc.O_CLOEXEC, out errno);
        return fd >= 0 && Libc.ReadAll(fd, Limit) is { } bytes ? RawText.Decode(bytes) : null;
    }

    /// <summary>Why <see cref="TryRead"/> failed, in strerror(3)'s words, from its errno.</summary>
    public static string WhyUnreadable(int errno) =>
        errno == 0 ? "not a regular file" : Marshal.GetPInvokeErrorMessage(errno);
}
