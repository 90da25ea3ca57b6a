using System.Runtime.InteropServices;
using HpcRun.Image.Posix;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Registry;

/// <summary>An exclusive flock(2) on a file, waited for, released when disposed or when the process dies (the
/// kernel drops it with the descriptor, so a killed puller never leaves a lock behind). flock works across
/// the nodes of NFSv4 and of Lustre mounted with -o flock, so one puller per shared file system.</summary>
internal sealed partial class FileLock : IDisposable
{
    private const int LOCK_EX = 2, LOCK_UN = 8, EINTR = 4;
    private readonly SafeFileHandle file;

    private FileLock(SafeFileHandle file) => this.file = file;

    /// <summary>Opens (creating it 0600) and locks <paramref name="path"/>, waiting for whoever holds it.</summary>
    public static FileLock Take(string path)
    {
        SafeFileHandle file = Libc.Open(Libc.Cwd, path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_000_000);
        if (file.IsInvalid) throw new IOException($"cannot open {path}: {Libc.Describe(Libc.Errno)}", Libc.Errno);
        while (Flock(file, LOCK_EX) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            file.Dispose();
            throw new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        return new FileLock(file);
    }

    public void Dispose()
    {
        Flock(file, LOCK_UN);
        file.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);
}
