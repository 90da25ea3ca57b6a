using System.Runtime.InteropServices;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.Native;

/// <summary>
/// The system calls only the launcher makes (mount API, fcntl, SCM_RIGHTS, prctl, exec...). Each
/// wrapper throws <see cref="SetupException"/> naming the operation on failure. The file calls it
/// shares with the build (open, read, mkdirat, openat2 through <see cref="RootDir"/>...) are
/// <see cref="Libc"/>'s; Close, TryOpen, Read and the O_ flags keep their names here for the call sites.
/// </summary>
internal static partial class Syscalls
{
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
        MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096, MS_REC = 16384, MS_SLAVE = 1 << 19,
        MS_RELATIME = 1 << 21;
    public const int MNT_DETACH = 2;
    // The launcher's names for the shared flags (HpcRun.Image.Posix.Libc), as its call sites use them.
    public const int O_RDONLY = Libc.O_RDONLY, O_RDWR = Libc.O_RDWR, O_CLOEXEC = Libc.O_CLOEXEC, O_PATH = Libc.O_PATH;
    public static readonly int O_DIRECTORY = Libc.O_DIRECTORY;
    public const int F_SETFD = 2;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    public static int Close(int fd) => Libc.Close(fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    private static unsafe partial int fstatvfs(int fd, StatVfs* buf);

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfs
    {
        public ulong Bsize, Frsize, Blocks, Bfree, Bavail, Files, Ffree, Favail, Fsid, Flag, Namemax;
        private unsafe fixed int spare[6];
    }

    private const long SYS_open_tree = 428, SYS_move_mount = 429;
    private const uint OPEN_TREE_CLONE = 1, AT_RECURSIVE = 0x8000, AT_EMPTY_PATH = 0x1000, MOVE_MOUNT_F_EMPTY_PATH = 4;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int syscall_open_tree(long number, int dirfd, string path, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int syscall_move_mount(long number, int fromFd, string fromPath, int toFd, string toPath,
        uint flags);

    /// <summary>A detached copy of the mount tree at <paramref name="path"/>, as an fd (open_tree(2)).</summary>
    public static int CloneTree(string path)
    {
        int fd = syscall_open_tree(SYS_open_tree, -100, path, OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC);
        return fd >= 0 ? fd : throw SetupException.FromErrno($"open_tree {path}");
    }

    private const long SYS_mount_setattr = 442;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static unsafe partial int syscall_mount_setattr(long number, int fd, string path, uint flags,
        ulong* attributes, nuint size);

    /// <summary>Makes the mount <paramref name="fd"/> is on, and every mount below it, read-only (mount_setattr(2),
    /// Linux 5.12: struct mount_attr's attr_set); false when this kernel lacks the call, true when done.</summary>
    public static unsafe bool TrySetReadOnlyRecursively(int fd)
    {
        ulong* attributes = stackalloc ulong[4] { MOUNT_ATTR_RDONLY, 0, 0, 0 }; // set, clear, propagation, userns
        if (syscall_mount_setattr(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, attributes, 32) == 0)
            return true;
        return Marshal.GetLastPInvokeError() == 38 /* ENOSYS */ ? false
            : throw SetupException.FromErrno("mount_setattr read-only");
    }

    /// <summary>Attaches a tree from <see cref="CloneTree"/> at <paramref name="target"/>.</summary>
    public static void AttachTree(int treeFd, string target)
    {
        if (syscall_move_mount(SYS_move_mount, treeFd, "", -100, target, MOVE_MOUNT_F_EMPTY_PATH) != 0)
            throw SetupException.FromErrno($"move_mount to {target}");
    }

    private const long SYS_fsopen = 430, SYS_fsconfig = 431, SYS_fsmount = 432;
    private const uint FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6, MOUNT_ATTR_RDONLY = 1,
        MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int syscall_fsopen(long number, string fsname, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int syscall_fsconfig(long number, int fd, uint cmd, string? key, string? value, int aux);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial int syscall_fsmount(long number, int fd, uint flags, uint attributes);

    /// <summary>A read-only FUSE mount served through <paramref name="fuseFd"/>, not attached anywhere
    /// yet (fsopen/fsmount): an fd for <see cref="AttachTree"/>. The file system itself is read-only too
    /// ("ro", SB_RDONLY), not only this mount of it: the kernel then never marks a file's atime stale after
    /// a read or a listing, which would cost a GETATTR at its next stat.</summary>
    public static int DetachedFuseMount(string source, string subtype, int fuseFd, int uid, int gid)
    {
        int fs = syscall_fsopen(SYS_fsopen, "fuse", 1 /* FSOPEN_CLOEXEC */);
        if (fs < 0) throw SetupException.FromErrno("fsopen fuse");
        try
        {
            foreach (var (key, value) in new[] { ("source", source), ("subtype", subtype), ("fd", fuseFd.ToString()),
                         ("rootmode", "40000"), ("user_id", uid.ToString()), ("group_id", gid.ToString()) })
                if (syscall_fsconfig(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0) != 0)
                    throw SetupException.FromErrno($"fsconfig fuse {key}");
            if (syscall_fsconfig(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", null, 0) != 0)
                throw SetupException.FromErrno("fsconfig fuse ro");
            if (syscall_fsconfig(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, null, null, 0) != 0)
                throw SetupException.FromErrno("fsconfig fuse create");
            int mount = syscall_fsmount(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */,
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
            return mount >= 0 ? mount : throw SetupException.FromErrno("fsmount fuse");
        }
        finally { Close(fs); }
    }

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int umount2(string target, int flags);

    public static void Unmount(string target, int flags)
    {
        if (umount2(target, flags) != 0) throw SetupException.FromErrno($"umount {target}");
    }

    /// <summary>mount(2): 0, or the errno it failed with.</summary>
    public static int TryMount(string? source, string target, string? fstype, ulong flags, string? data = null) =>
        mount(source, target, fstype, flags, data) == 0 ? 0 : Marshal.GetLastSystemError();

    public static void Mount(string? source, string target, string? fstype, ulong flags, string? data = null)
    {
        if (mount(source, target, fstype, flags, data) != 0)
            throw SetupException.FromErrno($"mount {fstype ?? "bind"} {source} on {target}");
    }

    /// <summary>open(2): the fd, or -1 and the errno.</summary>
    public static int TryOpen(string path, int flags, out int errno) => Libc.TryOpen(path, flags, out errno);

    public static int Open(string path, int flags)
    {
        int fd = Libc.TryOpen(path, flags, out int errno);
        return fd >= 0 ? fd : throw new SetupException($"open {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Lets a child inherit <paramref name="fd"/> (it is made close-on-exec again there).</summary>
    public static void ClearCloseOnExec(int fd)
    {
        if (fcntl(fd, F_SETFD, 0) != 0) throw SetupException.FromErrno("fcntl F_SETFD");
    }

    public static void SetCloseOnExec(int fd)
    {
        if (fcntl(fd, F_SETFD, 1 /* FD_CLOEXEC */) != 0) throw SetupException.FromErrno("fcntl F_SETFD");
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int ParentPid();

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint sendmsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint recvmsg(int fd, MessageHeader* message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader // struct msghdr
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vector;
        public nuint VectorLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector { public void* Base; public nuint Length; }

    private const int SolSocket = 1, ScmRights = 1, MsgCmsgCloexec = 0x40000000, MaxPassedFds = 8;
    /// <summary>struct cmsghdr: cmsg_len (size_t), cmsg_level, cmsg_type (int); the descriptors follow.</summary>
    private static readonly int ControlHeader = sizeof(long) + 2 * sizeof(int);

    /// <summary>Sends <paramref name="data"/> (at least one byte) with <paramref name="fds"/> attached
    /// (SCM_RIGHTS, unix(7)).</summary>
    public static unsafe void SendWithDescriptors(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
    {
        byte* control = stackalloc byte[ControlHeader + MaxPassedFds * sizeof(int)];
        *(long*)control = ControlHeader + fds.Length * sizeof(int);
        *(int*)(control + sizeof(long)) = SolSocket;
        *(int*)(control + sizeof(long) + sizeof(int)) = ScmRights;
        fds.CopyTo(new Span<int>(control + ControlHeader, fds.Length));
        fixed (byte* p = data)
        {
            var vector = new IoVector { Base = p, Length = (nuint)data.Length };
            var message = new MessageHeader
            {
                Vector = &vector,
                VectorLength = 1,
                Control = control,
                ControlLength = (nuint)((ControlHeader + fds.Length * sizeof(int) + 7) & ~7),
            };
            while (sendmsg(socket, &message, 0x4000 /* MSG_NOSIGNAL */) < 0)
                if (!WaitIfBusy(socket, PollOut)) throw SetupException.FromErrno("sendmsg");
        }
    }

    /// <summary>Receives into <paramref name="data"/> and the descriptors sent with it (close-on-exec);
    /// the byte count (0 at end of stream). A reset connection reads as its end: a listener closed with
    /// this connection still in its queue resets it (a node's first rank that stopped accepting).</summary>
    public static unsafe int ReceiveWithDescriptors(int socket, Span<byte> data, out int[] fds)
    {
        int room = ControlHeader + MaxPassedFds * sizeof(int);
        byte* control = stackalloc byte[room];
        fixed (byte* p = data)
        {
            var vector = new IoVector { Base = p, Length = (nuint)data.Length };
            var message = new MessageHeader
            {
                Vector = &vector,
                VectorLength = 1,
                Control = control,
                ControlLength = (nuint)room,
            };
            nint n;
            while ((n = recvmsg(socket, &message, MsgCmsgCloexec)) < 0)
            {
                if (Marshal.GetLastSystemError() == (int)Errno.ECONNRESET)
                {
                    fds = [];
                    return 0;
                }
                if (!WaitIfBusy(socket, PollIn)) throw SetupException.FromErrno("recvmsg");
            }
            bool rights = message.ControlLength >= (nuint)ControlHeader && *(int*)(control + sizeof(long)) == SolSocket
                && *(int*)(control + sizeof(long) + sizeof(int)) == ScmRights;
            int count = rights ? (int)((*(long*)control - ControlHeader) / sizeof(int)) : 0;
            fds = new ReadOnlySpan<int>(control + ControlHeader, count).ToArray();
            return (int)n;
        }
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>PR_SET_DUMPABLE (prctl(2)).</summary>
    public static void SetDumpable(bool dumpable)
    {
        if (prctl(4 /* PR_SET_DUMPABLE */, dumpable ? 1u : 0u, 0, 0, 0) != 0)
            throw SetupException.FromErrno("prctl PR_SET_DUMPABLE");
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int poll(long* fds, nuint count, int timeout);

    private const short PollIn = 1, PollOut = 4;

    /// <summary>After a failed call on <paramref name="fd"/>: true when it was interrupted or would have
    /// blocked (.NET keeps its sockets non-blocking), once the descriptor is ready again.</summary>
    private static bool WaitIfBusy(int fd, short events)
    {
        int errno = Marshal.GetLastSystemError();
        if (errno == (int)Errno.EINTR) return true;
        if (errno != 11 /* EAGAIN */) return false;
        WaitFor(fd, events);
        return true;
    }

    /// <summary>Waits until <paramref name="fd"/> is readable (a pidfd: its process has ended).</summary>
    public static void WaitReadable(int fd) => WaitFor(fd, PollIn);

    private static unsafe void WaitFor(int fd, short events)
    {
        long pollFd = (uint)fd | ((long)events << 32); // struct pollfd { int fd; short events, revents; }
        while (poll(&pollFd, 1, -1) < 0 && Marshal.GetLastSystemError() == (int)Errno.EINTR) { }
    }

    /// <summary>getuid(2): this process's uid as its user namespace sees it.</summary>
    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial int Uid();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_exec")]
    private static unsafe partial int hpcrun_exec(byte* path, byte** argv, byte** envp);

    /// <summary>Replaces this process with the caller's signal dispositions (Native/early.c); returns
    /// only on failure.</summary>
    public static unsafe SetupException Exec(string path, IEnumerable<string> argv, IEnumerable<string> envp)
    {
        using var strings = new NativeStrings();
        int errno = -hpcrun_exec(strings.Add(path), strings.Array(argv), strings.Array(envp));
        return new SetupException($"execve {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>mkdir -p: <paramref name="path"/> and its missing parents (mode 0755).</summary>
    public static void MakeDirectories(string path)
    {
        if (path.Length <= 1 || PosixFile.IsDirectory(path)) return;
        MakeDirectories(Path.GetDirectoryName(path)!);
        MakeDirectoryAt(PosixFile.AtCwd, path);
    }

    /// <summary>Creates directory <paramref name="name"/> in <paramref name="dirFd"/>; one that exists is
    /// fine.</summary>
    public static void MakeDirectoryAt(int dirFd, string name)
    {
        if (Libc.MkdirAt(dirFd, name, 0b111_101_101) != 0 && Libc.Errno != Libc.EEXIST)
            throw SetupException.FromErrno($"mkdir {name}");
    }

    /// <summary>Creates the symbolic link <paramref name="name"/> in <paramref name="dirFd"/>, pointing to
    /// <paramref name="target"/> (symlinkat(2)).</summary>
    public static void SymlinkAt(string target, int dirFd, string name)
    {
        if (Libc.SymlinkAt(target, dirFd, name) != 0) throw SetupException.FromErrno($"symlink {name}");
    }

    /// <summary>Creates an empty file <paramref name="name"/> in <paramref name="dirFd"/> (a mount target);
    /// one that exists is fine.</summary>
    public static void CreateFileAt(int dirFd, string name)
    {
        int fd = Libc.OpenAt(dirFd, name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_NOFOLLOW | O_CLOEXEC, 0b110_100_100);
        if (fd < 0) throw SetupException.FromErrno($"create {name}");
        Close(fd);
    }

    public static void CreateFile(string path) => CreateFileAt(PosixFile.AtCwd, path);

    /// <summary>File.WriteAllText's result (<paramref name="text"/> in UTF-8 as the whole of <paramref name="path"/>,
    /// created with mode 0666 less the umask, or truncated) in open, write and close, where FileStream also locks,
    /// seeks and truncates, on every launch (the id maps, the staged files). When that fails, File.WriteAllText
    /// tries again, and its exception is the one the caller sees.</summary>
    public static void WriteFile(string path, string text)
    {
        int fd = Libc.OpenAt(PosixFile.AtCwd, path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | O_CLOEXEC,
            0b110_110_110);
        bool written = fd >= 0 && Libc.WriteAll(fd, System.Text.Encoding.UTF8.GetBytes(text));
        if (fd >= 0 && Close(fd) != 0) written = false;
        if (!written) File.WriteAllText(path, text);
    }

    public static unsafe (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, O_CLOEXEC) != 0) throw SetupException.FromErrno("pipe2");
        return (fds[0], fds[1]);
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length; 0 at end of file.</summary>
    public static int Read(int fd, Span<byte> buffer) => Libc.Read(fd, buffer);

    /// <summary>The mount flags that a bind remount in a user namespace must keep (the kernel
    /// locks nosuid, nodev, noexec and atime flags inherited from the host).</summary>
    public static unsafe ulong LockedMountFlags(int fd)
    {
        StatVfs st;
        if (fstatvfs(fd, &st) != 0) throw SetupException.FromErrno("fstatvfs");
        ulong flags = 0;
        if ((st.Flag & 2) != 0) flags |= MS_NOSUID;
        if ((st.Flag & 4) != 0) flags |= MS_NODEV;
        if ((st.Flag & 8) != 0) flags |= MS_NOEXEC;
        if ((st.Flag & 1024) != 0) flags |= MS_NOATIME;
        if ((st.Flag & 2048) != 0) flags |= MS_NODIRATIME;
        if ((st.Flag & 4096) != 0) flags |= MS_RELATIME;
        return flags;
    }
}

internal enum Errno
{
    EPERM = 1, ENOENT = 2, EINTR = 4, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ELOOP = 40,
    ECONNRESET = 104,
}
