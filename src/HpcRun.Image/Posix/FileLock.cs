using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Image.Posix;

/// <summary>A flock(2) on a file, released when disposed or when the process dies (the kernel drops it with the
/// descriptor, so a killed process never leaves a lock behind). flock works across the nodes of NFSv4 and of
/// Lustre mounted with -o flock, so one holder per shared file system. Shared locks (readers, builds using a
/// cache) exclude only an exclusive one (who removes what they use). A holder may remove the lock file
/// (<see cref="Remove"/>): whoever waited on the removed file finds, once it has the lock, that its path names
/// another file or none, and locks the path anew, so no two hold the lock of one path.</summary>
public sealed partial class FileLock : IDisposable
{
    private const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, EINTR = 4, EWOULDBLOCK = 11;
    private readonly SafeFileHandle file;
    private readonly string path;

    private FileLock(SafeFileHandle file, string path) => (this.file, this.path) = (file, path);

    /// <summary>Opens (creating it 0600) and locks <paramref name="path"/>, exclusively or
    /// <paramref name="shared"/>, waiting for whoever holds it.</summary>
    /// <exception cref="IOException">The file cannot be opened or locked (errno in HResult).</exception>
    public static FileLock Take(string path, bool shared = false) =>
        Lock(path, shared ? LOCK_SH : LOCK_EX) ?? throw new InvalidOperationException("a waited lock was refused");

    /// <summary>Locks <paramref name="path"/> exclusively if no one holds it; null when someone does.</summary>
    /// <exception cref="IOException">The file cannot be opened or locked (errno in HResult).</exception>
    public static FileLock? TryTake(string path) => Lock(path, LOCK_EX | LOCK_NB);

    private static FileLock? Lock(string path, int operation)
    {
        while (true)
        {
            SafeFileHandle file = Libc.Open(Libc.Cwd, path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC,
                0b110_000_000);
            if (file.IsInvalid) throw new IOException($"cannot open {path}: {Libc.Describe(Libc.Errno)}", Libc.Errno);
            while (Flock(file, operation) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                file.Dispose();
                if (errno == EWOULDBLOCK && (operation & LOCK_NB) != 0) return null;
                throw new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
            if (SameFile(file, path)) return new FileLock(file, path);
            file.Dispose(); // its holder removed it while this one waited: lock what the path names now
        }
    }

    /// <summary>Whether <paramref name="path"/> still leads to the file open at <paramref name="file"/> (as open(2)
    /// followed it).</summary>
    private static bool SameFile(SafeFileHandle file, string path) =>
        Libc.Stat(file, "") is { } open && Libc.StatFollowing(Libc.Cwd, path) is { } named && open.Inode == named.Inode
        && open.DevMajor == named.DevMajor && open.DevMinor == named.DevMinor;

    /// <summary>Removes the lock file, then releases the lock, so that what no one holds is not left behind (a pull's
    /// lock file beside an image it did not complete would be taken for a killed pull's leftover). A file that cannot
    /// be removed stays, for `hpcrun cache clean`.</summary>
    public void Remove()
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        finally { Dispose(); }
    }

    public void Dispose()
    {
        Flock(file, LOCK_UN);
        file.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);
}
