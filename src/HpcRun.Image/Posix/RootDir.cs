using System.Runtime.InteropServices;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Image.Posix;

/// <summary>
/// A directory that untrusted paths are resolved inside: an image's root, a build's tree, an OCI layout. Every
/// path goes through the kernel's own resolver, openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (Linux
/// 5.6): an absolute path or symlink starts at the root, ".." stops at it, /proc's magic links are refused, and
/// the resolution happens at the moment of each call, so it sees whatever was done to the tree before (a
/// directory replaced by a symlink out, say). A path longer than PATH_MAX is opened in pieces of whole
/// components, each one beneath the last (RESOLVE_BENEATH): there, a symlink or ".." that climbs above a piece's
/// start is refused (<see cref="ImageFormatException"/>) rather than followed.
/// </summary>
public sealed class RootDir(SafeFileHandle handle) : IDisposable
{
    /// <summary>How many symlinks <see cref="Resolve"/> follows while it creates directories, as the kernel's
    /// MAXSYMLINKS (openat2 itself follows at most as many in one call: ELOOP).</summary>
    public const int MaxSymlinks = 40;

    /// <summary>How deep a path may go: far beyond any real image, and a bound on the descriptors that walking
    /// such a tree holds (one a level).</summary>
    public const int MaxDepth = 256;

    /// <summary>openat2 takes PATH_MAX bytes with the final NUL; pieces of longer paths stay below.</summary>
    private const int PathMax = 4096, Piece = 4000;

    private const ulong InRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

    /// <summary>How the kernel names the root in /proc/self/fd links (<see cref="CanonicalOf"/>).</summary>
    private readonly Lazy<string> linkPrefix = new(() => LinkTarget(handle) ?? "/");

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

    /// <summary>Opens <paramref name="path"/> ("" for the root) inside the root with open(2) <paramref name="flags"/>
    /// (close-on-exec), symlinks followed inside it unless <paramref name="symlinks"/> is false (then a symlink
    /// anywhere on the way is ELOOP). An invalid handle (errno set) on failure; EXDEV for a path longer than
    /// PATH_MAX that climbs out of one of its pieces.</summary>
    public SafeFileHandle Open(string path, int flags, bool symlinks = true)
    {
        ulong resolve = symlinks ? 0 : RESOLVE_NO_SYMLINKS;
        if (path.Length == 0) path = "."; // the root itself
        if (RawText.Encode(path).Length < PathMax) return OpenAt2(Handle, path, flags, InRoot | resolve);
        SafeFileHandle at = Handle;
        List<string> pieces = Pieces(path);
        for (int i = 0; ; i++)
        {
            bool last = i == pieces.Count - 1;
            SafeFileHandle next = OpenAt2(at, pieces[i], last ? flags : O_PATH | O_DIRECTORY,
                (i == 0 ? InRoot : RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) | resolve);
            if (at != Handle) { int errno = Errno; at.Dispose(); Marshal.SetLastPInvokeError(errno); }
            if (last || next.IsInvalid) return next;
            at = next;
        }
    }

    /// <summary><see cref="Open(string, int, bool)"/> as a bare descriptor (the caller closes it): -1 and the errno
    /// on failure.</summary>
    public int TryOpen(string path, int flags, out int errno)
    {
        SafeFileHandle fd = Open(path, flags);
        errno = fd.IsInvalid ? Errno : 0;
        if (fd.IsInvalid) return -1;
        int raw = (int)fd.DangerousGetHandle();
        fd.SetHandleAsInvalid(); // handed over
        return raw;
    }

    /// <summary>The path inside the root, symlinks resolved, of the file open at <paramref name="fd"/> (one opened
    /// through this root): "/..." (the root itself "/"); null when the kernel cannot name it (deleted, or a path
    /// longer than a page).</summary>
    public string? Canonical(SafeFileHandle fd)
    {
        string root = linkPrefix.Value, prefix = root.TrimEnd('/');
        if (LinkTarget(fd) is not { } target) return null;
        if (target == root) return "/";
        return target.StartsWith(prefix + "/", StringComparison.Ordinal) ? target[prefix.Length..] : null;
    }

    /// <summary>
    /// Where <paramref name="path"/> is in the root. With <see cref="Follow.All"/>, or for the root itself, the
    /// file it leads to (symlinks followed) open with O_PATH, and the name "". Otherwise the directory holding its
    /// last component and that component's name (which may not exist). Null when a directory on the way is
    /// missing or a file (or, with <see cref="Follow.None"/>, a symlink), unless <paramref name="created"/> is
    /// given: then missing directories are made (mode 0755), along dangling symlinks too, and files in the way
    /// replaced, and each new directory's path in the root is passed to it. Throws
    /// <see cref="ImageFormatException"/> after <see cref="MaxSymlinks"/> symlinks, below <see cref="MaxDepth"/>
    /// directories, on a name longer than a file system takes or a long path that climbs out of a piece, and
    /// <see cref="PosixException"/> when the file system refuses.
    /// </summary>
    public Location? Resolve(string path, Follow follow, Action<string>? created = null)
    {
        List<string> parts = [.. Components(path)];
        if (parts.Count(p => p != "..") > MaxDepth + 1)
            throw TooDeep(path);
        if (parts.Count == 0) return new Location(Handle, "", "", ownsDirectory: false);
        if (follow == Follow.All || parts[^1] == "..")
        {
            SafeFileHandle? target = OpenWithPath(parts, O_PATH, follow != Follow.None, path, out string at);
            return target is null ? null : new Location(target, "", at, ownsDirectory: true);
        }
        string name = parts[^1];
        parts.RemoveAt(parts.Count - 1);
        if (parts.Count == 0) return new Location(Handle, name, name, ownsDirectory: false);
        SafeFileHandle? dir = OpenWithPath(parts, O_PATH | O_DIRECTORY, follow != Follow.None, path, out string inRoot);
        if (dir is null && created is not null && Errno is ENOENT or ENOTDIR)
        {
            dir = MakeDirectories(parts, created, path);
            inRoot = RootPath(dir, parts, path);
        }
        return dir is null ? null : new Location(dir, name, Join(inRoot, name), ownsDirectory: true);
    }

    /// <summary>Opens the directory <paramref name="path"/> (resolved with <paramref name="follow"/>) for
    /// reading its entries or changing its metadata; null when it is not a directory (any more).</summary>
    public SafeFileHandle? OpenDirectory(string path, Follow follow)
    {
        SafeFileHandle fd = Open(path, O_RDONLY | O_DIRECTORY | (follow == Follow.All ? 0 : O_NOFOLLOW),
            symlinks: follow != Follow.None);
        if (!fd.IsInvalid) return fd;
        if (Errno is ENOENT or ENOTDIR or ELOOP) return null;
        throw Failure(Errno, path);
    }

    public void Dispose() => Handle.Dispose();

    /// <summary>Opens <paramref name="parts"/>; null (errno set) when it is missing, on the way through a file or,
    /// unless <paramref name="symlinks"/>, through a symlink. <paramref name="at"/> is its path in the root.</summary>
    private SafeFileHandle? OpenWithPath(List<string> parts, int flags, bool symlinks, string path, out string at)
    {
        at = "";
        string joined = Join(parts);
        SafeFileHandle fd = Open(joined, flags, symlinks: false); // most paths hold no symlink: named as written
        if (!fd.IsInvalid)
        {
            at = Lexical(parts);
            return fd;
        }
        if (Errno == ELOOP && symlinks)
        {
            fd = Open(joined, flags);
            if (!fd.IsInvalid)
            {
                at = RootPath(fd, null, path);
                return fd;
            }
        }
        int errno = Errno;
        fd.Dispose();
        if (errno is not (ENOENT or ENOTDIR) && (errno != ELOOP || symlinks)) throw Failure(errno, path);
        Marshal.SetLastPInvokeError(errno);
        return null;
    }

    /// <summary>Opens the directories <paramref name="parts"/>, making those that are missing and replacing files
    /// in the way; a dangling symlink on the way is followed, its target made.</summary>
    private SafeFileHandle MakeDirectories(List<string> parts, Action<string> created, string path)
    {
        var pending = new List<string>(parts);
        for (int links = 0, done = 1; done <= pending.Count; done++)
        {
            List<string> prefix = pending[..done];
            SafeFileHandle? dir = OpenWithPath(prefix, O_PATH | O_DIRECTORY, symlinks: true, path, out string _);
            if (dir is not null)
            {
                if (done == pending.Count) return dir;
                dir.Dispose();
                continue;
            }
            if (pending.Count > MaxDepth + 1)
                throw TooDeep(path);
            using SafeFileHandle parent = done == 1 ? Borrowed()
                : OpenWithPath(pending[..(done - 1)], O_PATH | O_DIRECTORY, symlinks: true, path, out string _)
                  ?? throw Failure(Errno, path);
            string name = pending[done - 1];
            if (ReadLink(parent, name) is { } target)
            {
                if (++links > MaxSymlinks) throw SymlinkLoop(path);
                string from = done == 1 ? "" : RootPath(parent, pending[..(done - 1)], path);
                List<string> resolved = [.. target.StartsWith('/') ? [] : Components(from), .. Components(target)];
                pending = [.. resolved, .. pending[done..]];
                done = 0;
                continue;
            }
            if (Errno != EINVAL && Errno != ENOENT) throw Failure(Errno, path); // EINVAL: not a symlink
            if (Stat(parent, name) is { } what && what.Type != S_IFDIR && UnlinkAt(parent, name, 0) != 0)
                throw Failure(Errno, path);
            if (MkdirAt(parent, name, 0b111_101_101) != 0 && Errno != EEXIST) throw Failure(Errno, path);
            created(Join(done == 1 ? "" : RootPath(parent, pending[..(done - 1)], path), name));
        }
        if (pending.Count == 0) return Borrowed(); // a symlink to "/"
        return OpenWithPath(pending, O_PATH | O_DIRECTORY, symlinks: true, path, out string _)
            ?? throw Failure(Errno, path);
    }

    /// <summary>The root's descriptor in a handle that does not close it.</summary>
    private SafeFileHandle Borrowed() => new(Handle.DangerousGetHandle(), ownsHandle: false);

    /// <summary>The path in the root of <paramref name="dir"/>, opened by <paramref name="parts"/> (null: through a
    /// symlink, so only the kernel knows): without a leading "/", "" for the root.</summary>
    private string RootPath(SafeFileHandle dir, List<string>? parts, string path)
    {
        if (parts is not null && Open(Join(parts), O_PATH, symlinks: false) is var plain && !plain.IsInvalid)
        {
            plain.Dispose();
            return Lexical(parts);
        }
        return (Canonical(dir) ?? throw new ImageFormatException(
            $"name too long for a file system: {Shown.Path(path)} (a path through a symlink, past PATH_MAX)"))[1..];
    }

    private static string? LinkTarget(SafeFileHandle fd) => ReadLink(Cwd, $"/proc/self/fd/{fd.DangerousGetHandle()}");

    /// <summary><paramref name="path"/> cleaned as Go's path.Clean cleans it below "/", as BuildKit and containerd
    /// clean a destination or a layer's entry before they resolve it: "." and empty names dropped, ".." taking off
    /// the name before it and stopping at the root. Without a leading "/" ("" for the root), so that no "..", or
    /// parent of the root, is left for a caller to meet.</summary>
    public static string Clean(string path) => Lexical([.. Components(path)]);

    /// <summary>A path of no symlink, ".." taken off as the kernel does inside a root.</summary>
    private static string Lexical(List<string> parts)
    {
        var names = new List<string>();
        foreach (string part in parts)
            if (part != "..") names.Add(part);
            else if (names.Count > 0) names.RemoveAt(names.Count - 1);
        return string.Join('/', names);
    }

    private static List<string> Pieces(string path)
    {
        var pieces = new List<string>();
        var piece = new System.Text.StringBuilder(path.StartsWith('/') ? "/" : "");
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (piece.Length + part.Length + 1 > Piece && piece.Length > 1)
            {
                pieces.Add(piece.ToString());
                piece.Clear();
            }
            piece.Append(piece.Length is 0 || piece[^1] == '/' ? part : "/" + part);
        }
        pieces.Add(piece.ToString());
        return pieces;
    }

    private static Exception Failure(int errno, string path) => errno switch
    {
        ENAMETOOLONG => NameTooLong(path),
        ELOOP => SymlinkLoop(path),
        EXDEV => new ImageFormatException($"{Shown.Path(path)} is longer than PATH_MAX and climbs out of its " +
            "directories through a symlink or '..'"),
        _ => new PosixException(Shown.Path(path), errno),
    };

    /// <summary>A <paramref name="path"/> with a part longer than the file system takes (NAME_MAX, 255 bytes).
    /// </summary>
    public static ImageFormatException NameTooLong(string path) =>
        new($"name too long for a file system: {Shown.Path(path)}");

    /// <summary>A <paramref name="path"/> through more than <see cref="MaxSymlinks"/> symlinks (a loop).</summary>
    public static ImageFormatException SymlinkLoop(string path) =>
        new($"too many levels of symbolic links in {Shown.Path(path)}");

    /// <summary>A <paramref name="path"/> below <see cref="MaxDepth"/> directories.</summary>
    public static ImageFormatException TooDeep(string path) =>
        new($"{Shown.Path(path)} is nested deeper than {MaxDepth} directories");

    private static string Join(string dir, string name) => dir.Length == 0 ? name : $"{dir}/{name}";

    private static string Join(List<string> parts) => string.Join('/', parts);

    public static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".");
}

/// <summary>A resolved place in a <see cref="RootDir"/>: <see cref="Name"/> in the open <see cref="Directory"/>
/// ("" for the file open there itself), and <see cref="Path"/>, the same place in the root with no symlink in it
/// (no leading "/"; "" for the root).</summary>
public sealed class Location(SafeFileHandle directory, string name, string path, bool ownsDirectory) : IDisposable
{
    public SafeFileHandle Directory { get; } = directory;
    public string Name { get; } = name;
    public string Path { get; } = path;

    /// <summary>What is there (the last component not followed); null when nothing is.</summary>
    public Statx? Stat() => Libc.Stat(Directory, Name);

    /// <summary>Closes the directory unless it is the root's own handle, which the root closes.</summary>
    public void Dispose()
    {
        if (ownsDirectory) Directory.Dispose();
    }
}
