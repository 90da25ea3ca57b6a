using HpcRun.Image.Text;

namespace HpcRun.Image.Posix;

/// <summary>A system call failed: <c>Message</c> is "what: strerror(errno)" (what names the file as
/// <see cref="Shown.Path"/> prints it), <see cref="Errno"/> says which failure it was.</summary>
public sealed class PosixException(string what, int errno) : IOException($"{what}: {Libc.Describe(errno)}")
{
    public int Errno { get; } = errno;

    /// <summary>The failure of the call just made (errno as it left it).</summary>
    public static PosixException Last(string what) => new(what, Libc.Errno);
}
