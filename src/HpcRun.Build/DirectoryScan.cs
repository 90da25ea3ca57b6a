using System.Text;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// Walks a directory source before mksquashfs (or hpcrun's writer: <see cref="DirectorySquashFs"/>, which gives the
/// same image) reads it, since mksquashfs stores a file it cannot read as an empty one, leaves out a directory it
/// cannot open or a path longer than PATH_MAX, and still exits 0: each
/// such file refuses the build, naming it, or with --skip-unreadable is left out with a warning of its own.
/// Device nodes, FIFOs and sockets, which an image does not keep, are named in one warning. Readability is
/// tried as mksquashfs will need it: opening each file and directory (O_NONBLOCK: a FIFO is not waited on).
/// </summary>
internal static class DirectoryScan
{
    /// <summary>The longest path mksquashfs 4.5 can open (it passes whole paths to lstat and open).</summary>
    public const int MaxPath = 4095;
    private const int Named = 5;

    /// <summary>Checks <paramref name="tree"/>; returns the paths (relative to it) mksquashfs must leave out.
    /// <paramref name="devicesSaid"/>: the caller warned of the device nodes already (a recipe's directory base, as
    /// a layer's), so they get no second warning in other words.</summary>
    public static IReadOnlyList<string> Check(string tree, bool skipUnreadable, IBuildReporter reporter,
        CancellationToken cancel, bool devicesSaid = false)
    {
        var unreadable = new List<(string Path, string Why)>();
        var special = new List<string>();
        SafeFileHandle root = Open(Cwd, tree, O_RDONLY | O_DIRECTORY);
        if (root.IsInvalid) throw ImageBuildException.Unreadable(Shown.Path(tree));
        using (root) Walk(root, "", Encoding.UTF8.GetByteCount(tree) + 1, unreadable, special, cancel);
        if (special.Count > 0 && !devicesSaid)
        {
            string more = special.Count > Named ? $" and {special.Count - Named} more" : "";
            var named = special.Order(StringComparer.Ordinal).Take(Named).Select(p => Shown.Path("/" + p));
            string what = special.Count == 1 ? "device node, FIFO or socket" : "device nodes, FIFOs or sockets";
            reporter.Warning($"skipped {special.Count} {what}: {string.Join(", ", named)}{more}");
        }
        if (unreadable.Count == 0) return [];
        if (!skipUnreadable)
        {
            var (path, why) = unreadable.MinBy(u => u.Path, StringComparer.Ordinal);
            string others = unreadable.Count > 1 ? $" (and {unreadable.Count - 1} more)" : "";
            throw new ImageBuildException($"cannot read {Shown.Path(Path.Join(tree, path))}: {why}{others}; " +
                "--skip-unreadable leaves such files out of the image", BuildFailure.SourceUnreadable);
        }
        foreach (var (path, why) in unreadable.OrderBy(u => u.Path, StringComparer.Ordinal))
            reporter.Warning($"skipped {Shown.Path(Path.Join(tree, path))}: {why}");
        return [.. unreadable.Select(u => u.Path)];
    }

    private static void Walk(SafeFileHandle dir, string prefix, int hostLength, List<(string, string)> unreadable,
        List<string> special, CancellationToken cancel)
    {
        List<DirectoryEntry> entries = ReadDirectory(dir, out int errno);
        foreach ((string name, _) in entries)
        {
            cancel.ThrowIfCancellationRequested();
            string path = prefix.Length == 0 ? name : $"{prefix}/{name}";
            if (hostLength + RawText.Encode(path).Length > MaxPath)
            {
                unreadable.Add((path, $"its path is longer than the {MaxPath} bytes mksquashfs can open"));
                continue;
            }
            if (Stat(dir, name) is not { } what) { unreadable.Add((path, Describe(Errno))); continue; }
            switch (what.Type)
            {
                case S_IFDIR:
                    using (SafeFileHandle sub = Open(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
                        if (sub.IsInvalid) unreadable.Add((path, Describe(Errno)));
                        else Walk(sub, path, hostLength, unreadable, special, cancel);
                    break;
                case S_IFREG:
                    using (SafeFileHandle file = Open(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK))
                        if (file.IsInvalid) unreadable.Add((path, Describe(Errno)));
                    break;
                case S_IFLNK: break;
                default: special.Add(path); break;
            }
        }
        if (errno != 0) unreadable.Add((prefix.Length == 0 ? "." : prefix, Describe(errno)));
    }
}
