using System.Text;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Launch;
using HpcRun.Native;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Apply;

/// <summary>
/// A root file system inside hpcrun's staging area: the image alone (<see cref="Staging.Lower"/>)
/// or the container's merged root (<see cref="Staging.Root"/>). Every path inside is resolved
/// inside it (<see cref="RootDir"/>: openat2 with RESOLVE_IN_ROOT): a symlink in a hostile image
/// (say /home -> /etc) resolves inside the image, so no mount or created file can land outside it.
/// </summary>
internal sealed class ContainerRoot : IDisposable
{
    /// <summary>The root, which resolves every path (and names what it opened as the kernel names the root in
    /// /proc/self/fd links: the directory itself, or, for the image reached through a descriptor the node's
    /// first rank passed (/proc/self/fd/N), its path there).</summary>
    private readonly RootDir root;
    /// <summary>The mounts <see cref="Apply"/> made, in order.</summary>
    private readonly List<MountSpec> applied = [];
    /// <summary>The devices (st_dev: one a tmpfs instance) of the tmpfs mounts <see cref="Apply"/> put up: the only
    /// file systems it creates mount points in, as the kernel, not a path, tells.</summary>
    private readonly HashSet<(uint Major, uint Minor)> ownTmpfs = [];

    /// <summary>The mount data of the tmpfs mounts <see cref="Apply"/> puts up (mode and size cap).</summary>
    private readonly string tmpfsOptions;

    /// <param name="dir">The root, in hpcrun's namespace or reached through a passed descriptor
    /// (/proc/self/fd/N).</param>
    /// <param name="plan">The plan whose mounts <see cref="Apply"/> applies (its tmpfs size cap); none for a root
    /// only read.</param>
    public ContainerRoot(string dir, ContainerPlan? plan = null)
    {
        tmpfsOptions = plan?.TmpfsOptions("0755") ?? "mode=0755";
        root = new RootDir(new SafeFileHandle(Syscalls.Open(dir, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC),
            ownsHandle: true));
    }

    public ImageTree Tree =>
        new(Exists, ReadText, path => ReadBytes(path, 64 << 20), Canonical, List, IsLinkOrMissing);

    public bool Exists(string path)
    {
        int fd = root.TryOpen(path, Libc.O_PATH, out _);
        if (fd >= 0) Syscalls.Close(fd);
        return fd >= 0;
    }

    /// <inheritdoc cref="ImageTree.ReadText"/>
    public string? ReadText(string path)
    {
        if (ReadBytes(path, ImageTree.TextLimit) is not { } bytes) return null;
        // Cut short at a line's end, not in a line: a huge /etc/passwd loses its last users, not half an entry.
        int end = bytes.Length < ImageTree.TextLimit ? bytes.Length : bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
        return Encoding.UTF8.GetString(bytes, 0, end);
    }

    /// <summary>The regular file's first <paramref name="limit"/> bytes (all of it when smaller), or null when it
    /// cannot be opened or is no regular file. Opened without blocking: a FIFO in a hostile image (at /etc/passwd,
    /// say) would keep open(2) waiting for a writer that never comes. Sized by fstat: one exact allocation (start-up
    /// reads several image files).</summary>
    public byte[]? ReadBytes(string path, int limit)
    {
        int fd = root.TryOpen(path, Libc.O_RDONLY | Libc.O_NONBLOCK, out _);
        if (fd < 0) return null;
        if (PosixFile.Type("", fd) == PosixFile.Regular) return Libc.ReadRegular(fd, limit);
        Libc.Close(fd);
        return null;
    }

    /// <inheritdoc cref="ImageTree.IsLinkOrMissing"/>
    public bool IsLinkOrMissing(string path)
    {
        int fd = root.TryOpen(path, Libc.O_PATH | Libc.O_NOFOLLOW, out _);
        if (fd < 0) return true;
        try { return PosixFile.Type("", fd) == (int)Libc.S_IFLNK; }
        finally { Syscalls.Close(fd); }
    }

    /// <summary>The names in the directory <paramref name="path"/>, or null when it cannot be listed.</summary>
    public IReadOnlyList<string>? List(string path)
    {
        using SafeFileHandle dir = root.Open(path, Libc.O_RDONLY | Libc.O_DIRECTORY);
        if (dir.IsInvalid) return null;
        List<Libc.DirectoryEntry> entries = Libc.ReadDirectory(dir, out int errno);
        return errno == 0 ? [.. entries.Select(e => e.Name)] : null;
    }

    /// <summary>The path with symlinks resolved inside this root, or null when it is missing.</summary>
    public string? Canonical(string path)
    {
        int fd = root.TryOpen(path, Libc.O_PATH, out _);
        if (fd < 0) return null;
        try { return CanonicalOf(fd); }
        finally { Libc.Close(fd); }
    }

    private string CanonicalOf(int fd)
    {
        using var handle = new SafeFileHandle(fd, ownsHandle: false);
        return root.Canonical(handle)
            ?? throw new SetupException($"readlink /proc/self/fd/{fd}: the kernel cannot name it");
    }

    /// <summary>
    /// The canonical path of <paramref name="path"/> inside the image, creating what the image
    /// lacks in the overlay's upper layer (hpcrun's own tmpfs, so this works whoever owns the
    /// image's directories): a read-only image without /scratch or /etc/group still works. A
    /// dangling symlink (pointing where the image has nothing) is shadowed by the new target, and so is
    /// any symlink there with <paramref name="replaceLink"/> (<see cref="MountSpec.ReplacesLink"/>).
    /// Throws (<see cref="ExitCode.BindTargetUnusable"/>) when the target is there as the other
    /// kind: a directory where a file is bound, or the reverse.
    /// </summary>
    public string PrepareTarget(string path, bool directory, bool replaceLink = false)
    {
        if (path == "/") return "/";
        int fd = root.TryOpen(path, Libc.O_PATH | (replaceLink ? Libc.O_NOFOLLOW : 0), out int errno);
        if (fd >= 0)
        {
            try
            {
                int type = PosixFile.Type("", fd);
                if (type != (int)Libc.S_IFLNK)
                {
                    CheckKind(path, type, directory);
                    return CanonicalOf(fd);
                }
            }
            finally { Syscalls.Close(fd); }
        }
        else if (errno != Libc.ENOENT) throw Failure(path, errno);
        string parent = PrepareTarget(Path.GetDirectoryName(path)!, directory: true);
        string canonical = parent.TrimEnd('/') + "/" + Path.GetFileName(path);
        string upper = Staging.Upper + canonical;
        int made = PosixFile.Type(upper); // by an earlier mount's target
        if (made >= 0) CheckKind(path, made, directory);
        else if (directory) Syscalls.MakeDirectories(upper);
        else
        {
            Syscalls.MakeDirectories(Path.GetDirectoryName(upper)!);
            Syscalls.CreateFile(upper);
        }
        return canonical;
    }

    private static void CheckKind(string path, int fileType, bool directory)
    {
        if (fileType >= 0 && (fileType == PosixFile.Directory) != directory)
            throw new HpcRunException(ExitCode.BindTargetUnusable, directory
                ? $"cannot mount a directory on {path}: it is a file in the container"
                : $"cannot mount a file on {path}: it is a directory in the container");
    }

    /// <summary>Applies one planned mount (its target exists); <paramref name="source"/> is a path hpcrun can reach
    /// now.</summary>
    public void Apply(MountSpec mount, string? source)
    {
        if (mount.Kind == MountKind.Symlink)
        {
            MakeSymlink(mount.Target, source!);
            applied.Add(mount);
            return;
        }
        int target = OpenOrCreate(mount, source);
        applied.Add(mount);
        try
        {
            string at = $"/proc/self/fd/{target}";
            if (mount.Kind == MountKind.Tmpfs) Syscalls.Mount("tmpfs", at, "tmpfs", Syscalls.MS_NOSUID, tmpfsOptions);
            else Syscalls.Mount(source, at, null, Syscalls.MS_BIND | Syscalls.MS_REC);
        }
        finally { Syscalls.Close(target); }
        if (mount.Kind == MountKind.Tmpfs)
        {
            int top = OpenOrThrow(mount.Target); // the new tmpfs, over the directory it was mounted on
            try { ownTmpfs.Add(DeviceOf(top, mount.Target)); }
            finally { Syscalls.Close(top); }
        }
        if (mount.ReadOnly) RemountReadOnly(mount.Target, withMountsBelow: true);
    }

    /// <summary>Makes the mount at <paramref name="path"/> read-only, and with <paramref name="withMountsBelow"/>
    /// those below it too (a read-only bind's submounts, as the user asked for the whole tree).</summary>
    private void RemountReadOnly(string path, bool withMountsBelow)
    {
        int fd = OpenOrThrow(path);
        try
        {
            if (withMountsBelow && Syscalls.TrySetReadOnlyRecursively(fd)) return;
            Syscalls.Mount(null, $"/proc/self/fd/{fd}", null,
                Syscalls.MS_REMOUNT | Syscalls.MS_BIND | Syscalls.MS_RDONLY | Syscalls.LockedMountFlags(fd));
        }
        finally { Syscalls.Close(fd); }
    }

    /// <summary>Makes the root itself read-only (the mounts on it keep their own modes); a bind of a directory
    /// image keeps the flags its host mount locked.</summary>
    public void MakeReadOnly() => RemountReadOnly("/", withMountsBelow: false);

    /// <summary>Opens the target of <paramref name="mount"/>. A target in the image was prepared there, so a missing
    /// one lies under an earlier mount that hid it. Inside a tmpfs hpcrun put up (/tmp and /var/tmp under --contain,
    /// a minimal /dev, the chosen /dev/infiniband nodes) it is created now, in that tmpfs, with the directories it
    /// lacks there (a bind at /tmp/a/b); inside a directory bound from the host (the home, /tmp, a user's bind) it is
    /// refused: creating it would change the host.</summary>
    private int OpenOrCreate(MountSpec mount, string? source)
    {
        bool directory = mount.TargetIsDirectory(_ => source is not null && PosixFile.IsDirectory(source));
        int fd = root.TryOpen(mount.Target, Libc.O_PATH, out int errno);
        if (fd >= 0)
        {
            // as a host directory bound earlier has it
            try { CheckKind(mount.Target, PosixFile.Type("", fd), directory); }
            catch (HpcRunException) { Syscalls.Close(fd); throw; }
            return fd;
        }
        if (errno != Libc.ENOENT) throw Failure(mount.Target, errno);
        int parent = OpenParentInTmpfs(mount.Target);
        try
        {
            string name = Path.GetFileName(mount.Target);
            if (directory) Syscalls.MakeDirectoryAt(parent, name);
            else Syscalls.CreateFileAt(parent, name);
            int made = Libc.OpenAt(parent, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC |
                (directory ? Libc.O_DIRECTORY : 0), 0);
            return made >= 0 ? made : throw Failure(mount.Target, Libc.Errno);
        }
        finally { Syscalls.Close(parent); }
    }

    /// <summary>
    /// Opens the directory that is to hold <paramref name="target"/>, in the tmpfs hpcrun put up above it, making the
    /// directories missing on the way there. It walks down from that tmpfs one name at a time without following a
    /// symlink, and creates only in a directory the kernel places in one of hpcrun's tmpfs mounts: a way that leads
    /// anywhere else (an image's symlink out of the tmpfs, a directory bound from the host) is refused, not created.
    /// </summary>
    private int OpenParentInTmpfs(string target)
    {
        MountSpec cover = RequireTmpfsAbove(target);
        string[] between = target[(cover.Target.Length + 1)..].Split('/')[..^1];
        int dir = OpenOrThrow(cover.Target);
        try
        {
            string at = cover.Target;
            foreach (string name in between)
            {
                at += "/" + name;
                int next = OpenDirectoryAt(dir, name);
                if (next < 0 && Libc.Errno == Libc.ENOENT)
                {
                    RequireOwnTmpfs(dir, target);
                    Syscalls.MakeDirectoryAt(dir, name);
                    next = OpenDirectoryAt(dir, name);
                }
                if (next < 0 && Libc.Errno is var errno) // ENOTDIR: a file on the way, which Failure finds from target
                    throw Failure(errno == Libc.ENOTDIR ? target : at, errno);
                Syscalls.Close(dir);
                dir = next;
            }
            RequireOwnTmpfs(dir, target);
            return dir;
        }
        catch
        {
            Syscalls.Close(dir);
            throw;
        }
    }

    private static int OpenDirectoryAt(int dir, string name) =>
        Libc.OpenAt(dir, name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);

    /// <summary>Refuses to create anything for <paramref name="target"/> in <paramref name="dir"/> unless it is in a
    /// tmpfs hpcrun put up: the path named one (<see cref="RequireTmpfsAbove"/>), but reached something else.</summary>
    private void RequireOwnTmpfs(int dir, string target)
    {
        if (!ownTmpfs.Contains(DeviceOf(dir, target)))
            throw new HpcRunException(ExitCode.BindTargetUnusable, $"cannot mount on {target}: its way leads out " +
                "of the tmpfs hpcrun put up there, and hpcrun does not create mount points elsewhere " +
                "(create it, or choose another destination)");
    }

    private (uint Major, uint Minor) DeviceOf(int fd, string path) =>
        Libc.Stat(new SafeFileHandle(fd, ownsHandle: false), "") is { } stat ? (stat.DevMajor, stat.DevMinor)
            : throw Failure(path, Libc.Errno);

    /// <summary>The tmpfs hpcrun put up above <paramref name="target"/>, in which it may be created; refused unless
    /// there is one: anywhere else it would be created on the host.</summary>
    private MountSpec RequireTmpfsAbove(string target)
    {
        MountSpec? cover = applied.LastOrDefault(m => m.Target != target && PathText.IsUnder(target, m.Target));
        if (cover is { Kind: MountKind.Tmpfs }) return cover;
        string where = cover is null ? "its parent directory"
            : $"{cover.Target}, bound from the host{(cover.Source == cover.Target ? "" : $"'s {cover.Source}")},";
        string missing = cover is null ? Path.GetFileName(target) : target[(cover.Target.Length + 1)..];
        throw new HpcRunException(ExitCode.BindTargetUnusable, $"cannot mount on {target}: {where} has no " +
            $"{missing}, and hpcrun does not create mount points on the host " +
            "(create it there, or choose another destination)");
    }

    private void MakeSymlink(string target, string pointsTo)
    {
        int parent = OpenParentInTmpfs(target);
        try { Syscalls.SymlinkAt(pointsTo, parent, Path.GetFileName(target)); }
        finally { Syscalls.Close(parent); }
    }

    private int OpenOrThrow(string path)
    {
        int fd = root.TryOpen(path, Libc.O_PATH, out int errno);
        return fd >= 0 ? fd : throw Failure(path, errno);
    }

    /// <summary>What to throw when <paramref name="path"/> cannot be opened for a mount: ENOTDIR, a file (or a
    /// symlink to one) on its way, is a destination that cannot be made (76, the file named), as a file where a
    /// directory is bound is (<see cref="CheckKind"/>); anything else a failed set-up step (71).</summary>
    private Exception Failure(string path, int errno) => errno == Libc.ENOTDIR
        ? new HpcRunException(ExitCode.BindTargetUnusable,
            $"cannot mount on {path}: {FileOnTheWay(path)} is not a directory in the container")
        : new SetupException(
            $"cannot open {path} in the image: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");

    /// <summary>The deepest directory above <paramref name="path"/> that opens as something else than a directory:
    /// the file that ENOTDIR met (the way itself when the kernel's answer cannot be traced).</summary>
    private string FileOnTheWay(string path)
    {
        for (string? at = Path.GetDirectoryName(path); at is not (null or "/"); at = Path.GetDirectoryName(at))
        {
            int fd = root.TryOpen(at, Libc.O_PATH, out _);
            if (fd < 0) continue;
            try
            {
                if (PosixFile.Type("", fd) != PosixFile.Directory) return at;
            }
            finally { Syscalls.Close(fd); }
        }
        return Path.GetDirectoryName(path) ?? path;
    }

    public void Dispose() => root.Dispose();
}
