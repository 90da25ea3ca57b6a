using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.Build.SquashFs;

/// <summary>A place in an <see cref="FsDirectory"/> tree: <see cref="Name"/> in <see cref="Directory"/> ("" for
/// the directory itself), and <see cref="Path"/>, the same place from the root with no symlink in it (no leading
/// "/"; "" for the root).</summary>
internal readonly record struct FsLocation(FsDirectory Directory, string Name, string Path)
{
    /// <summary>What is there, the last component not followed; null when nothing is.</summary>
    public FsNode? Node => Name.Length == 0 ? Directory : Directory.Entries.GetValueOrDefault(Name);
}

/// <summary>
/// Resolves paths inside an in-memory tree as <see cref="RootDir.Resolve"/> resolves them inside a directory on disk
/// (openat2(2) with RESOLVE_IN_ROOT, and its own walk where it makes directories): an absolute symlink starts at the
/// root, ".." stops at it, a path through more than <see cref="RootDir.MaxSymlinks"/> symlinks is
/// <see cref="RootDir.SymlinkLoop"/>, a part longer than <see cref="NameMax"/> bytes
/// <see cref="RootDir.NameTooLong"/> (as the kernel says ENAMETOOLONG when it meets it), a path deeper than
/// <see cref="RootDir.MaxDepth"/> directories <see cref="RootDir.TooDeep"/>. Paths are cleaned
/// (<see cref="RootDir.Clean"/>) by the caller: no "..", only symlinks' targets have them.
/// </summary>
internal sealed class FsResolver(FsDirectory root)
{
    /// <summary>The longest name a file system takes (NAME_MAX), bytes.</summary>
    public const int NameMax = 255;

    public FsDirectory Root => root;

    /// <summary>Where <paramref name="path"/> is, its last component as it is (RootDir's Follow.Parents): null when a
    /// directory on the way is missing or a file, unless <paramref name="made"/> is given: then it makes the missing
    /// directories (along dangling symlinks too) and those that replace files in the way.</summary>
    public FsLocation? Resolve(string path, Func<FsDirectory>? made = null)
    {
        List<string> parts = Parts(path);
        if (parts.Count == 0) return new FsLocation(root, "", "");
        string name = parts[^1];
        return Walk(parts[..^1], made, path) is ({ } directory, { } inRoot)
            ? new FsLocation(directory, name, inRoot.Length == 0 ? name : $"{inRoot}/{name}")
            : null;
    }

    /// <summary>The directory <paramref name="path"/> leads to, every symlink followed (RootDir's Follow.All), with
    /// <see cref="FsLocation.Name"/> ""; null when it is missing or not a directory.</summary>
    public FsLocation? ResolveDirectory(string path) =>
        Walk(Parts(path), null, path) is ({ } directory, { } inRoot) ? new FsLocation(directory, "", inRoot) : null;

    private static List<string> Parts(string path)
    {
        List<string> parts = [.. RootDir.Components(path)];
        if (parts.Count > RootDir.MaxDepth + 1) throw RootDir.TooDeep(path);
        return parts;
    }

    /// <summary>Walks <paramref name="parts"/> from the root as directories; <paramref name="path"/> names the whole
    /// in errors.</summary>
    private (FsDirectory, string)? Walk(List<string> parts, Func<FsDirectory>? made, string path)
    {
        var trail = new List<(FsDirectory Directory, string Name)>(); // from the root down; empty at the root
        var pending = new Stack<string>(Enumerable.Reverse(parts));
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            FsDirectory current = trail.Count == 0 ? root : trail[^1].Directory;
            if (part == "..")
            {
                if (trail.Count > 0) trail.RemoveAt(trail.Count - 1);
                continue;
            }
            if (RawText.Encode(part).Length > NameMax) throw RootDir.NameTooLong(path);
            switch (current.Entries.GetValueOrDefault(part))
            {
                case FsDirectory directory:
                    trail.Add((directory, part));
                    break;
                case FsSymlink link:
                    if (++links > RootDir.MaxSymlinks) throw RootDir.SymlinkLoop(path);
                    if (link.Target.StartsWith('/')) trail.Clear();
                    foreach (string step in RootDir.Components(link.Target).Reverse()) pending.Push(step);
                    break;
                default: // missing, or a file in the way
                    if (made is null) return null;
                    if (trail.Count + 1 + pending.Count > RootDir.MaxDepth + 1) throw RootDir.TooDeep(path);
                    FsDirectory created = made();
                    current.Entries[part] = created;
                    trail.Add((created, part));
                    break;
            }
        }
        return (trail.Count == 0 ? root : trail[^1].Directory, string.Join('/', trail.Select(t => t.Name)));
    }
}
