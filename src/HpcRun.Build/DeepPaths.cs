using System.Text;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// Paths of a flattened tree that mksquashfs cannot read itself. mksquashfs 4.5 opens whole paths (the tree's
/// path, "/", the path in the image: lstat in mksquashfs.c's dir_scan1), so an entry past PATH_MAX is left out
/// with "Cannot stat ... File name too long, ignoring"; pax and GNU tar hold such paths legally. Each one is
/// moved out of the tree into the scratch directory and handed to mksquashfs as pseudo definitions
/// (mksquashfs(1), "-p"): a directory as "D" with its time and mode, a symlink as "S" with its time and
/// target, a file as "l", a link to a hard link of it under a short name (same inode: same data, mode and time).
/// </summary>
internal static class DeepPaths
{
    /// <summary>Moves the entries of <paramref name="tree"/> (at <paramref name="treePath"/>) that mksquashfs
    /// cannot open into <paramref name="output"/>'s scratch directory; returns the -p arguments that put them
    /// back.</summary>
    public static List<string> Relocate(RootDir tree, string treePath, BuildOutput output)
    {
        using var relocation = new Relocation(RawText.Encode(treePath).Length + 1, output);
        using SafeFileHandle root = Open(tree.Handle, ".", O_RDONLY | O_DIRECTORY);
        relocation.Walk(root, "");
        return relocation.Arguments;
    }

    private sealed class Relocation(int prefix, BuildOutput output) : IDisposable
    {
        private const string Deep = "deep";
        private SafeFileHandle? moved;
        private int count;

        public List<string> Arguments { get; } = [];

        public void Walk(SafeFileHandle dir, string path)
        {
            Statx before = Stat(dir, "") ?? throw PosixException.Last($"cannot read {Shown.Path(path)}");
            int moves = count;
            foreach ((string name, byte type) in ReadDirectory(dir, out _))
            {
                string child = path.Length == 0 ? name : $"{path}/{name}";
                if (prefix + RawText.Encode(child).Length > DirectoryScan.MaxPath)
                {
                    string alias = $"{count++}";
                    if (RenameAt2(dir, name, Moved(), alias, RENAME_NOREPLACE) != 0)
                        throw PosixException.Last($"cannot move {Shown.Path(child)}");
                    Define(Moved(), alias, child);
                }
                else if (type == DT_DIR)
                    using (SafeFileHandle sub = Open(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
                        if (!sub.IsInvalid) Walk(sub, child);
            }
            // Moving entries out changed the directory's time, which the image keeps: set it back.
            if (count != moves && SetTime(dir, before.Mtime.Seconds, before.Mtime.Nanoseconds) != 0)
                throw PosixException.Last($"cannot set the time of {Shown.Path(path)}");
        }

        private void Define(SafeFileHandle dir, string name, string path)
        {
            Statx what = Stat(dir, name) ?? throw PosixException.Last($"cannot read {Shown.Path(path)}");
            if (what.Type == S_IFLNK) // "l" to a symlink makes a broken inode in mksquashfs 4.5.1: "S" holds the target
            {
                string target = ReadLink(dir, name) ?? throw PosixException.Last($"cannot read {Shown.Path(path)}");
                if (target.Length == 0 || char.IsWhiteSpace(target[0])) // the definition's parser skips leading spaces
                    throw new ImageFormatException($"mksquashfs cannot store the symlink {Shown.Path(path)}: " +
                        "its path is longer than PATH_MAX and its target starts with a space");
                Arguments.AddRange(["-p", $"{Quote(path)} S {what.Mtime.Seconds} 777 0 0 {target}"]);
                return;
            }
            if (what.Type != S_IFDIR)
            {
                string alias = $"f{count++}";
                if (LinkAt(dir, name, Moved(), alias, 0) != 0)
                    throw PosixException.Last($"cannot link {Shown.Path(path)}");
                Arguments.AddRange(["-p", $"{Quote(path)} l {Quote($"{output.ScratchPath}/{Deep}/{alias}")}"]);
                return;
            }
            string mode = Convert.ToString(what.Mode & 0xFFF, 8);
            Arguments.AddRange(["-p", $"{Quote(path)} D {what.Mtime.Seconds} {mode} 0 0"]);
            using SafeFileHandle sub = Open(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            foreach ((string child, _) in ReadDirectory(sub, out _)) Define(sub, child, $"{path}/{child}");
        }

        private SafeFileHandle Moved()
        {
            if (moved is not null) return moved;
            if (MkdirAt(output.Scratch.Handle, Deep, 0b111_000_000) != 0)
                throw PosixException.Last("cannot make the build's deep directory");
            moved = Open(output.Scratch.Handle, Deep, O_PATH | O_DIRECTORY | O_NOFOLLOW);
            return moved;
        }

        public void Dispose() => moved?.Dispose();

        /// <summary>A name as mksquashfs's pseudo definitions read one: a backslash before each space, quote or
        /// backslash.</summary>
        private static string Quote(string name)
        {
            var quoted = new StringBuilder(name.Length + 8);
            foreach (char c in name)
                quoted.Append(c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r' or '"' or '\\' ? $"\\{c}" : c);
            return quoted.ToString();
        }
    }
}
