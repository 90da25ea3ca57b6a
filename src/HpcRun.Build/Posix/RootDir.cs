using HpcRun.Image;
using HpcRun.Image.Posix;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Posix;

/// <summary>
/// A directory that untrusted paths are resolved inside, with the rules of openat2(2)'s RESOLVE_IN_ROOT
/// (as a chroot would): an absolute path starts at the root, ".." stops at it, and a symlink met on the way
/// is followed by resolving its target inside the root too. The walk goes one component at a time from
/// directory descriptors (openat with O_NOFOLLOW) at the moment of each operation, so it sees whatever a
/// later layer did to the tree (a directory replaced by a symlink out), and unlike openat2 it takes paths
/// longer than PATH_MAX and can create the directories missing on the way.
/// </summary>
internal sealed class RootDir(SafeFileHandle handle) : IDisposable
{
    /// <summary>How many symlinks one resolution follows, as the kernel's MAXSYMLINKS.</summary>
    public const int MaxSymlinks = 40;

    /// <summary>How deep a path may go: far beyond any real image, and a bound on the descriptors that walking
    /// such a tree holds (one a level).</summary>
    public const int MaxDepth = 256;

    /// <summary>Which symlinks a resolution follows: none (the path must be made of real directories), those
    /// in the parents (the last component is taken as it is: to replace or remove it), or all.</summary>
    public enum Follow { None, Parents, All }

    /// <summary>The root, open with O_PATH.</summary>
    public SafeFileHandle Handle { get; } = handle;

    /// <summary>Opens the directory <paramref name="path"/> (relative to <paramref name="at"/>, symlinks followed:
    /// it is the caller's own path); null (errno set) when it cannot be opened as a directory.</summary>
    public static RootDir? Open(SafeFileHandle at, string path)
    {
        SafeFileHandle fd = Libc.Open(at, path, O_PATH | O_DIRECTORY);
        return fd.IsInvalid ? null : new RootDir(fd);
    }

    /// <summary>
    /// Where <paramref name="path"/> is in the root: the directory holding its last component and that
    /// component's name (which may not exist), or the directory itself with the name "" when the path is the
    /// root or a directory reached with <see cref="Follow.All"/>. Null when a directory on the way is missing
    /// or a file (or, with <see cref="Follow.None"/>, a symlink), unless <paramref name="created"/> is given:
    /// then missing directories are made (mode 0755) and files in the way replaced, and each new directory's
    /// path in the root is passed to it. Throws <see cref="ImageFormatException"/> after
    /// <see cref="MaxSymlinks"/> symlinks, below <see cref="MaxDepth"/> directories or on a name longer than a
    /// file system takes, and
    /// <see cref="PosixException"/> when the file system refuses.
    /// </summary>
    public Location? Resolve(string path, Follow follow, Action<string>? created = null)
    {
        var names = new List<string>();
        var pending = new Stack<string>(Components(path).Reverse());
        SafeFileHandle current = Handle;
        int links = 0;
        try
        {
            while (pending.TryPop(out string? name))
            {
                if (name == "..")
                {
                    if (names.Count == 0) continue;
                    names.RemoveAt(names.Count - 1);
                    // Only real directories were entered, so the kernel's ".." is the parent in the root.
                    current = Step(current, names.Count == 0 ? Handle : OpenDirectory(current, "..", path));
                    continue;
                }
                bool last = pending.Count == 0;
                if (last && follow != Follow.All) return Done(ref current, name, Join(names, name));
                if (names.Count == MaxDepth)
                    throw new ImageFormatException($"{Shown.Path(path)} is nested deeper than {MaxDepth} directories");
                SafeFileHandle next = Libc.Open(current, name, O_PATH | O_DIRECTORY | O_NOFOLLOW);
                if (!next.IsInvalid)
                {
                    current = Step(current, next);
                    names.Add(name);
                    continue;
                }
                int errno = Errno;
                if (errno is ENOTDIR or ELOOP && ReadLink(current, name) is { } target)
                {
                    if (follow == Follow.None) return null;
                    if (++links > MaxSymlinks)
                        throw new ImageFormatException($"too many levels of symbolic links in {Shown.Path(path)}");
                    if (target.StartsWith('/')) { names.Clear(); current = Step(current, Handle); }
                    foreach (string part in Components(target).Reverse()) pending.Push(part);
                    continue;
                }
                if (errno is not (ENOTDIR or ELOOP or ENOENT)) throw Failure(errno, name, names);
                if (last) return Done(ref current, name, Join(names, name)); // a file, or missing
                if (created is null) return null;
                if (errno != ENOENT && UnlinkAt(current, name, 0) != 0) throw Failure(Errno, name, names);
                if (MkdirAt(current, name, 0b111_101_101) != 0 && Errno != EEXIST) throw Failure(Errno, name, names);
                names.Add(name);
                created(string.Join('/', names));
                current = Step(current, OpenDirectory(current, name, path));
            }
            return Done(ref current, "", string.Join('/', names));
        }
        finally
        {
            if (current != Handle) current.Dispose();
        }
    }

    /// <summary>Opens the directory <paramref name="path"/> (resolved with <paramref name="follow"/>) for
    /// reading its entries or changing its metadata; null when it is not a directory (any more).</summary>
    public SafeFileHandle? OpenDirectory(string path, Follow follow)
    {
        using Location? at = Resolve(path, follow);
        if (at is null) return null;
        string name = at.Name.Length == 0 ? "." : at.Name;
        SafeFileHandle fd = Libc.Open(at.Directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (!fd.IsInvalid) return fd;
        if (Errno is ENOENT or ENOTDIR or ELOOP) return null;
        throw PosixException.Last($"cannot open {Shown.Path(path)}");
    }

    public void Dispose() => Handle.Dispose();

    private SafeFileHandle Step(SafeFileHandle from, SafeFileHandle to)
    {
        if (from != Handle) from.Dispose();
        return to;
    }

    /// <summary>Hands <paramref name="current"/> to a <see cref="Location"/>, so that the walk's cleanup leaves it
    /// open.</summary>
    private Location Done(ref SafeFileHandle current, string name, string path)
    {
        var location = new Location(current, name, path, ownsDirectory: current != Handle);
        current = Handle;
        return location;
    }

    private static SafeFileHandle OpenDirectory(SafeFileHandle at, string name, string path)
    {
        SafeFileHandle fd = Libc.Open(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW);
        return fd.IsInvalid ? throw PosixException.Last($"cannot open a directory of {Shown.Path(path)}") : fd;
    }

    private static Exception Failure(int errno, string name, List<string> names) => errno == ENAMETOOLONG
        ? new ImageFormatException($"name too long for a file system: {Shown.Path(Join(names, name))}")
        : new PosixException(Shown.Path(Join(names, name)), errno);

    private static string Join(List<string> names, string name) =>
        names.Count == 0 ? name : $"{string.Join('/', names)}/{name}";

    public static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".");
}

/// <summary>A resolved place in a <see cref="RootDir"/>: <see cref="Name"/> in the open <see cref="Directory"/>
/// ("" for the directory itself), and <see cref="Path"/>, the same place in the root with no symlink in it.</summary>
internal sealed class Location(SafeFileHandle directory, string name, string path, bool ownsDirectory) : IDisposable
{
    public SafeFileHandle Directory { get; } = directory;
    public string Name { get; } = name;
    public string Path { get; } = path;

    /// <summary>What is there (the last component not followed); null when nothing is.</summary>
    public Libc.Statx? Stat() => Libc.Stat(Directory, Name);

    /// <summary>Closes the directory unless it is the root's own handle, which the root closes.</summary>
    public void Dispose()
    {
        if (ownsDirectory) Directory.Dispose();
    }
}
