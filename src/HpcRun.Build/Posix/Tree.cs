using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Posix;

/// <summary>Removes whole trees relative to directory descriptors, as `rm -rf` does: names of any bytes and
/// paths of any length, and at most two descriptors open however deep the tree is (a hostile layer may nest
/// thousands of directories). Only for trees no one else writes to (the build's own scratch directory), since
/// it climbs back up through "..".</summary>
internal static class Tree
{
    /// <summary>Removes <paramref name="name"/> in <paramref name="parent"/>, whatever it is; nothing when it is
    /// missing.</summary>
    public static void Remove(SafeFileHandle parent, string name)
    {
        if (UnlinkAt(parent, name, 0) == 0 || Errno == ENOENT) return;
        if (Errno != EISDIR) throw PosixException.Last($"cannot remove {Shown.Path(name)}");
        var path = new Stack<string>([name]);
        SafeFileHandle dir = OpenForRemoval(parent, name);
        try
        {
            while (true)
            {
                if (EmptyOut(dir) is { } busy)
                {
                    SafeFileHandle sub = OpenForRemoval(dir, busy);
                    dir.Dispose();
                    dir = sub;
                    path.Push(busy);
                    continue;
                }
                string done = path.Pop();
                SafeFileHandle up = path.Count == 0 ? parent : Open(dir, "..", O_RDONLY | O_DIRECTORY);
                if (up.IsInvalid) throw PosixException.Last($"cannot remove {Shown.Path(done)}");
                dir.Dispose();
                dir = up;
                if (UnlinkAt(up, done, AT_REMOVEDIR) != 0 && Errno != ENOENT)
                    throw PosixException.Last($"cannot remove {Shown.Path(done)}");
                if (path.Count == 0) return;
            }
        }
        finally
        {
            if (dir != parent) dir.Dispose();
        }
    }

    /// <summary>Removes what is in <paramref name="dir"/> down to the first subdirectory that is not empty,
    /// whose name it returns; null when <paramref name="dir"/> is now empty.</summary>
    private static string? EmptyOut(SafeFileHandle dir)
    {
        List<DirectoryEntry> entries = ReadDirectory(dir, out int errno);
        foreach ((string name, _) in entries)
        {
            if (UnlinkAt(dir, name, 0) == 0 || Errno == ENOENT) continue;
            if (Errno == EISDIR && UnlinkAt(dir, name, AT_REMOVEDIR) == 0) continue;
            if (Errno is ENOTEMPTY or EEXIST) return name;
            throw PosixException.Last($"cannot remove {Shown.Path(name)}");
        }
        return errno == 0 ? null : throw new PosixException("cannot list a directory to remove", errno);
    }

    private static SafeFileHandle OpenForRemoval(SafeFileHandle parent, string name)
    {
        SafeFileHandle dir = Open(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (dir.IsInvalid && Errno == EACCES && FchmodAt(parent, name, 0b111_000_000, 0) == 0)
            dir = Open(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW); // a directory left without u+rx
        return dir.IsInvalid ? throw PosixException.Last($"cannot remove {Shown.Path(name)}") : dir;
    }
}
