using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Image.Posix;

/// <summary>
/// The C library's file and process calls that the launcher, the build and the image readers share, most of them
/// on directory descriptors (openat(2), openat2(2), mkdirat(2), statx(2)...): .NET's file API takes whole paths
/// (so PATH_MAX bounds them), follows symlinks, and writes names that are not UTF-8 as U+FFFD. Paths inside an
/// untrusted tree are resolved by <see cref="RootDir"/>. Every path here is marshalled as <see cref="RawText"/>
/// bytes. Flag values are Linux's (asm-generic; arm64, arm and ppc64le differ in two of them).
/// </summary>
public static unsafe partial class Libc
{
    private static readonly bool ArmFlags =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm or Architecture.Ppc64le;

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100,
        O_TRUNC = 0x200, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public static readonly int O_DIRECTORY = ArmFlags ? 0x4000 : 0x10000, O_NOFOLLOW = ArmFlags ? 0x8000 : 0x20000;
    public const int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    public const uint RENAME_NOREPLACE = 1;

    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EAGAIN = 11, EACCES = 13, EEXIST = 17, EXDEV = 18,
        ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSPC = 28, EROFS = 30, EPIPE = 32, ENAMETOOLONG = 36, ENOSYS = 38,
        ENOTEMPTY = 39, ELOOP = 40, EOPNOTSUPP = 95, EDQUOT = 122;

    public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFBLK = 0x6000;

    /// <summary>The current directory, for calls on paths as the user gave them.</summary>
    public static readonly SafeFileHandle Cwd = new(-100, ownsHandle: false);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec { public long Seconds, Nanoseconds; }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatxTime { public long Seconds; public uint Nanoseconds; private int reserved; }

    /// <summary>struct statx (statx(2)), 256 bytes on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Statx
    {
        public uint Mask, BlockSize;
        public ulong Attributes;
        public uint Links, Uid, Gid;
        public ushort Mode;
        private ushort spare;
        public ulong Inode, Size, Blocks, AttributesMask;
        public StatxTime Atime, Btime, Ctime, Mtime;
        public uint RdevMajor, RdevMinor, DevMajor, DevMinor;

        public readonly uint Type => Mode & S_IFMT;
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nuint count);

    /// <summary>write(2)s all of <paramref name="bytes"/> to <paramref name="fd"/> at the descriptor's own offset,
    /// which it shares with the other processes a shell's redirection gave it to (FileStream's pwrite at a position
    /// of its own would overwrite their output); EINTR and short writes are retried.</summary>
    /// <returns>False on an error (EPIPE: the reader went away; EBADF).</returns>
    public static bool WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            for (int done = 0; done < bytes.Length;)
            {
                nint written = Write(fd, start + done, (nuint)(bytes.Length - done));
                if (written < 0 && Errno == EINTR) continue;
                if (written <= 0) return false;
                done += (int)written;
            }
        }
        return true;
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        int flags, uint mode);

    /// <summary>syncfs(2): writes the file system that <paramref name="fd"/> is on out to disk; 0, or -1 and
    /// errno.</summary>
    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(SafeFileHandle fd);

    public const int R_OK = 4, W_OK = 2, X_OK = 1;

    /// <summary>access(2): whether the caller may read (<see cref="R_OK"/>), write (<see cref="W_OK"/>) or search
    /// (<see cref="X_OK"/>) <paramref name="path"/>, by its real ids; 0, or -1 and errno.</summary>
    [LibraryImport("libc", EntryPoint = "access", SetLastError = true)]
    public static partial int Access([MarshalUsing(typeof(RawText.Marshaller))] string path, int mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkdirAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkdirAt(int dir, [MarshalUsing(typeof(RawText.Marshaller))] string path, uint mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int UnlinkAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        int flags);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt([MarshalUsing(typeof(RawText.Marshaller))] string target, SafeFileHandle dir,
        [MarshalUsing(typeof(RawText.Marshaller))] string path);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt([MarshalUsing(typeof(RawText.Marshaller))] string target, int dir,
        [MarshalUsing(typeof(RawText.Marshaller))] string path);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true)]
    public static partial int LinkAt(SafeFileHandle fromDir, [MarshalUsing(typeof(RawText.Marshaller))] string from,
        SafeFileHandle toDir, [MarshalUsing(typeof(RawText.Marshaller))] string to, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    public static partial int RenameAt2(SafeFileHandle fromDir, [MarshalUsing(typeof(RawText.Marshaller))] string from,
        SafeFileHandle toDir, [MarshalUsing(typeof(RawText.Marshaller))] string to, uint flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint ReadLinkAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        int flags, uint mask, Statx* result);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial int OpenAt2(long number, SafeFileHandle dir, byte* path, OpenHow* how, nuint size);

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow { public ulong Flags, Mode, Resolve; }

    private const long SYS_openat2 = 437; // the same number on every architecture (asm-generic/unistd.h)

    /// <summary>openat2(2)'s resolve flags: every path resolved as if <c>dir</c> were "/" (RESOLVE_IN_ROOT),
    /// or refused when it leaves <c>dir</c> (RESOLVE_BENEATH, EXDEV); never through /proc's magic links;
    /// through no symlink at all (RESOLVE_NO_SYMLINKS, ELOOP).</summary>
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08,
        RESOLVE_IN_ROOT = 0x10;

    /// <summary>openat2(2) of <paramref name="path"/> (at most PATH_MAX bytes) relative to <paramref name="dir"/>
    /// with <paramref name="resolve"/> (close-on-exec); an invalid handle (errno set) on failure. EAGAIN is tried
    /// again (at most <see cref="OpenAt2Tries"/> times): with RESOLVE_IN_ROOT or RESOLVE_BENEATH the kernel gives it
    /// up when a rename or mount anywhere on the system raced a "..", and the man page leaves the retry to the caller
    /// (tests that rename in parallel met it).</summary>
    public static SafeFileHandle OpenAt2(SafeFileHandle dir, string path, int flags, ulong resolve)
    {
        var how = new OpenHow { Flags = (ulong)(flags | O_CLOEXEC), Resolve = resolve };
        byte[] bytes = [.. RawText.Encode(path), 0];
        fixed (byte* p = bytes)
        {
            int fd, tries = 0;
            do fd = OpenAt2(SYS_openat2, dir, p, &how, (nuint)sizeof(OpenHow));
            while (fd < 0 && Errno is EAGAIN or EINTR && ++tries < OpenAt2Tries);
            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }

    /// <summary>Bounded: a process renaming without pause could otherwise keep an open spinning.</summary>
    private const int OpenAt2Tries = 64;

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(SafeFileHandle fd, uint mode);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int FchmodAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    private static partial int UtimensAt(SafeFileHandle dir, [MarshalUsing(typeof(RawText.Marshaller))] string path,
        Timespec* times, int flags);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int Futimens(SafeFileHandle fd, Timespec* times);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();

    /// <summary>This process's effective uid (in its user namespace).</summary>
    public static uint EffectiveUid { get; } = GetEffectiveUid();

    /// <summary>The effective uid now, not at the first use of this class: the launcher's id maps may have been
    /// written since (until then every uid reads as the overflow uid).</summary>
    public static uint EffectiveUidNow() => GetEffectiveUid();

    /// <summary>Whether this process is root (in its user namespace): permissions then do not bind it.</summary>
    public static bool IsRoot { get; } = EffectiveUid == 0;

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64(SafeFileHandle dir, byte* buffer, nuint size);

    /// <summary>The target of the symlink <paramref name="path"/>, or null (errno set) when it is not one.</summary>
    public static string? ReadLink(SafeFileHandle dir, string path)
    {
        // The first try on the stack: the launcher resolves a dozen paths per start (/proc/self/fd links), and
        // each fresh 4 KiB of heap would cost it a page fault.
        Span<byte> buffer = stackalloc byte[4096];
        for (int size = buffer.Length; ; size *= 16)
        {
            nint n;
            fixed (byte* b = buffer) n = ReadLinkAt(dir, path, b, (nuint)size);
            if (n < 0) return null;
            if (n < size) return RawText.Decode(buffer[..(int)n]);
            buffer = new byte[size * 16];
        }
    }

    /// <summary>statx of <paramref name="path"/> under <paramref name="dir"/> ("" for the descriptor itself),
    /// never following a final symlink; null (errno set) when it fails.</summary>
    public static Statx? Stat(SafeFileHandle dir, string path) =>
        Stat(dir, path, AT_SYMLINK_NOFOLLOW, 0xFFF /* STATX_BASIC_STATS | STATX_BTIME */);

    /// <summary>statx of what <paramref name="path"/> under <paramref name="dir"/> leads to, symlinks followed (a
    /// /proc/self/fd link: the file it pins); null (errno set) when it fails.</summary>
    public static Statx? StatFollowing(SafeFileHandle dir, string path) => Stat(dir, path, 0, 0xFFF);

    /// <summary>The file type bits of <paramref name="path"/> under <paramref name="dir"/> ("" for the descriptor
    /// itself), symlinks followed (STATX_TYPE only); null (errno set) when it fails.</summary>
    public static uint? Type(SafeFileHandle dir, string path) => Stat(dir, path, 0, 1 /* STATX_TYPE */)?.Type;

    private static Statx? Stat(SafeFileHandle dir, string path, int flags, uint mask)
    {
        Statx result;
        flags |= path.Length == 0 ? AT_EMPTY_PATH : 0;
        return StatxAt(dir, path, flags, mask, &result) == 0 ? result : null;
    }

    /// <summary>Sets the modification (and access) time of <paramref name="path"/> itself, a symlink
    /// included.</summary>
    public static int SetTime(SafeFileHandle dir, string path, long seconds, long nanoseconds)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = times[1] = new Timespec { Seconds = seconds, Nanoseconds = nanoseconds };
        return UtimensAt(dir, path, times, AT_SYMLINK_NOFOLLOW);
    }

    /// <summary>Sets the modification (and access) time of the file open at <paramref name="fd"/>.</summary>
    public static int SetTime(SafeFileHandle fd, long seconds, long nanoseconds)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = times[1] = new Timespec { Seconds = seconds, Nanoseconds = nanoseconds };
        return Futimens(fd, times);
    }

    /// <summary>A directory entry: its name and d_type (<see cref="DT_DIR"/>..., 0 where the file system does not
    /// say).</summary>
    public readonly record struct DirectoryEntry(string Name, byte Type);

    public const byte DT_DIR = 4;

    /// <summary>The entries of the directory open at <paramref name="dir"/> (an O_RDONLY descriptor), without . and ..;
    /// <paramref name="errno"/> is 0, or the error that stopped the listing.</summary>
    public static List<DirectoryEntry> ReadDirectory(SafeFileHandle dir, out int errno)
    {
        var names = new List<DirectoryEntry>();
        byte[] buffer = new byte[32768];
        errno = 0;
        fixed (byte* b = buffer)
            for (nint n; (n = GetDents64(dir, b, (nuint)buffer.Length)) != 0;)
            {
                if (n < 0) { errno = Errno; break; }
                // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
                for (int at = 0; at < n; at += *(ushort*)(b + at + 16))
                {
                    var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(b + at + 19);
                    if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                        names.Add(new(RawText.Decode(name), b[at + 18]));
                }
            }
        return names;
    }

    /// <summary>Opens <paramref name="path"/> relative to <paramref name="dir"/> (close-on-exec); an invalid handle
    /// (errno set) on failure.</summary>
    public static SafeFileHandle Open(SafeFileHandle dir, string path, int flags, uint mode = 0) =>
        new(OpenAt(dir, path, flags | O_CLOEXEC, mode), ownsHandle: true);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dir, [MarshalUsing(typeof(RawText.Marshaller))] string path, int flags,
        uint mode);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);

    /// <summary>Fills <paramref name="buffer"/> from the start of the file at <paramref name="path"/> with plain
    /// open, read and close: the bytes read (fewer at its end), or -1 when it cannot be opened.</summary>
    public static int ReadStart(string path, Span<byte> buffer)
    {
        int fd = TryOpen(path, O_RDONLY | O_CLOEXEC, out _);
        if (fd < 0) return -1;
        int read = 0, n;
        while (read < buffer.Length && (n = Read(fd, buffer[read..])) > 0) read += n;
        Close(fd);
        return read;
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int ParentPid();

    /// <summary>prctl(PR_SET_PDEATHSIG, signal): <paramref name="signal"/> comes when the thread that forked this
    /// process ends.</summary>
    public static int SetParentDeathSignal(int signal) => Prctl(1 /* PR_SET_PDEATHSIG */, (nuint)signal, 0, 0, 0);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>open(2) of <paramref name="path"/> (relative to the current directory): the descriptor, or -1 and
    /// the errno.</summary>
    public static int TryOpen(string path, int flags, out int errno)
    {
        int fd = OpenAt(AtCwd, path, flags, 0);
        errno = fd >= 0 ? 0 : Errno;
        return fd;
    }

    /// <summary>AT_FDCWD: paths relative to the current directory.</summary>
    public const int AtCwd = -100;

    /// <summary>Reads up to <paramref name="buffer"/>'s length from <paramref name="fd"/>, again when a signal
    /// interrupts it; 0 at end of file, -1 on failure (errno set).</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n;
            do n = Read(fd, p, (nuint)buffer.Length);
            while (n < 0 && Errno == EINTR);
            return (int)n;
        }
    }

    /// <summary>The first <paramref name="limit"/> bytes of the file open at <paramref name="fd"/> (all of
    /// it when smaller), which it closes; null when it cannot be read (a directory). A regular file is
    /// sized by fstat: one exact allocation (start-up reads several image files); a pipe
    /// (`--env-file &lt;(...)`) is read to its end.</summary>
    public static byte[]? ReadAll(int fd, int limit) =>
        PosixFile.Type("", fd) == PosixFile.Regular ? ReadRegular(fd, limit) : ReadStream(fd, limit);

    /// <summary><see cref="ReadAll"/> of a descriptor known to be a regular file's.</summary>
    public static byte[]? ReadRegular(int fd, int limit)
    {
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var bytes = new byte[Math.Min(RandomAccess.GetLength(file), limit)];
            int read = 0, n;
            while (read < bytes.Length && (n = RandomAccess.Read(file, bytes.AsSpan(read), read)) > 0) read += n;
            return read == bytes.Length ? bytes : bytes[..read];
        }
        catch (IOException) { return null; }
    }

    /// <summary>The first <paramref name="limit"/> bytes of the regular file at <paramref name="path"/>; null when
    /// it cannot be opened (<paramref name="errno"/> says why) or is not a regular file (errno 0). Opened without
    /// blocking and without following a last symbolic link: a FIFO in its place, which open(2) would wait on for a
    /// writer that never comes (deaf to signals there), is refused instead.</summary>
    public static byte[]? ReadRegularFile(string path, int limit, out int errno)
    {
        int fd = TryOpen(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, out errno);
        if (fd < 0) return null;
        if (PosixFile.Type("", fd) == PosixFile.Regular) return ReadRegular(fd, limit);
        Close(fd);
        return null;
    }

    private static byte[]? ReadStream(int fd, int limit)
    {
        try
        {
            var bytes = new MemoryStream();
            Span<byte> chunk = stackalloc byte[1 << 16];
            int n = 0;
            while (bytes.Length < limit && (n = Read(fd, chunk)) > 0) bytes.Write(chunk[..n]);
            return n < 0 ? null : bytes.ToArray()[..(int)Math.Min(bytes.Length, limit)];
        }
        finally { Close(fd); }
    }
}
