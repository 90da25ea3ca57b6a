using HpcRun.Build.Posix;
using HpcRun.Build.SquashFs;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// Reads a directory source into the tree <see cref="WrittenSquashFs"/> writes, as mksquashfs reads it for
/// <see cref="SquashFsMaker.Make"/>: every entry owned by root (-all-root), permission bits as on disk less setuid
/// and setgid (its "chmod(ug-s)" action), modification times as on disk (seconds), symlinks with their targets, a
/// file of several names (same device and inode, a link count above 1) one node under each, device nodes, FIFOs and
/// sockets left out (<see cref="DirectoryScan"/> warned of them), and the paths of <paramref name="exclude"/>
/// (relative to <paramref name="tree"/>) left out with all below them. The walk opens each name relative to its
/// directory's descriptor (openat, statx), so no path is too long and no symlink is followed; entries are read in
/// the order of their names, so the same tree gives the same image. A file that cannot be read in full, or whose
/// size changes while it is read, fails the build (<see cref="BuildFailure.SourceUnreadable"/>), as mksquashfs's
/// report of such a file does. mksquashfs also stores extended attributes, which the writer cannot: on meeting any
/// (<see cref="Xattrs"/>), <see cref="Read"/> gives up and mksquashfs makes the image.
/// </summary>
internal sealed class DirectorySquashFs(SquashFsWriter writer, string tree, IReadOnlyCollection<string> exclude,
    CancellationToken cancel)
{
    private const uint SetIds = 0b110_000_000_000; // S_ISUID | S_ISGID
    private readonly HashSet<string> left = new(exclude.Select(path => path.Trim('/')), StringComparer.Ordinal);
    private readonly Dictionary<(uint, uint, ulong), FsNode> linked = [];

    /// <summary>The tree's root, or null when an entry has extended attributes.</summary>
    public FsDirectory? Read()
    {
        using SafeFileHandle root = Open(Cwd, tree, O_RDONLY | O_DIRECTORY);
        if (root.IsInvalid) throw Lost("", Describe(Errno));
        try { return Directory(root, ""); }
        catch (XattrsFound) { return null; }
    }

    private FsDirectory Directory(SafeFileHandle dir, string prefix)
    {
        Statx self = Stat(dir, "") ?? throw Lost(prefix, Describe(Errno));
        if (Xattrs.Any(dir)) throw new XattrsFound();
        var directory = new FsDirectory { Permissions = Permissions(self), ModifiedSeconds = Time(self) };
        List<DirectoryEntry> entries = ReadDirectory(dir, out int errno);
        if (errno != 0) throw Lost(prefix, Describe(errno));
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach ((string name, _) in entries)
        {
            cancel.ThrowIfCancellationRequested();
            string path = prefix.Length == 0 ? name : $"{prefix}/{name}";
            if (left.Contains(path)) continue;
            Statx what = Stat(dir, name) ?? throw Lost(path, Describe(Errno));
            if (what.Type is not (S_IFDIR or S_IFREG or S_IFLNK)) continue;
            if (what.Type != S_IFDIR && what.Links > 1 && linked.TryGetValue(Key(what), out FsNode? same))
            {
                directory.Entries[name] = same;
                continue;
            }
            FsNode node = what.Type switch
            {
                S_IFDIR => Subdirectory(dir, name, path),
                S_IFREG => Reused(dir, name, what) ?? File(dir, name, path),
                _ => Symlink(dir, name, path, what),
            };
            directory.Entries[name] = node;
            if (what.Type != S_IFDIR && what.Links > 1) linked[Key(what)] = node;
        }
        return directory;
    }

    private FsDirectory Subdirectory(SafeFileHandle dir, string name, string path)
    {
        using SafeFileHandle sub = Open(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (sub.IsInvalid) throw Lost(path, Describe(Errno));
        return Directory(sub, path);
    }

    /// <summary>A regular file of a block or more whose content the writer copies from an earlier image
    /// (<see cref="SquashFsWriter.Reused"/>) by the identity the walk's statx gave; null when it cannot.</summary>
    private FsFile? Reused(SafeFileHandle dir, string name, Statx what)
    {
        if (writer.Reuse?.From is null || what.Size < SquashFsWriter.BlockSize
            || FileIdentity.Of(what) is not { } id || writer.Reuse.File(id) is null)
            return null;
        if (Xattrs.Any(dir, name)) throw new XattrsFound(); // set since: its ctime changed, not its identity
        return writer.Reused(id, cancel) is { } data
            ? new FsFile(data) { Permissions = Permissions(what), ModifiedSeconds = Time(what) }
            : null;
    }

    /// <summary>A regular file, its content stored: its size taken when opened, checked again once read.</summary>
    private FsFile File(SafeFileHandle dir, string name, string path)
    {
        // O_NONBLOCK: were the file swapped for a FIFO since it was listed, the open does not wait on it.
        using SafeFileHandle fd = Open(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        if (fd.IsInvalid) throw Lost(path, Describe(Errno));
        Statx opened = Stat(fd, "") ?? throw Lost(path, Describe(Errno));
        if (opened.Type != S_IFREG) throw Lost(path, "it was replaced while read");
        if (Xattrs.Any(fd)) throw new XattrsFound();
        using var content = new SourceFile(fd, this, path);
        FileData data;
        try { data = writer.AddData(content, (long)opened.Size, cancel); }
        catch (EndOfStreamException) { throw Lost(path, "it changed size while read"); }
        if (content.Read(new byte[1]) > 0 || Stat(fd, "") is not { } read || read.Size != opened.Size)
            throw Lost(path, "it changed size while read");
        if (FileIdentity.Of(read) is { } id && id == FileIdentity.Of(opened)) writer.Reuse?.Met(id, data);
        return new FsFile(data) { Permissions = Permissions(opened), ModifiedSeconds = Time(opened) };
    }

    private FsSymlink Symlink(SafeFileHandle dir, string name, string path, Statx what)
    {
        string target = ReadLink(dir, name) ?? throw Lost(path, Describe(Errno));
        if (Xattrs.Any(dir, name)) throw new XattrsFound();
        return new FsSymlink(target) { Permissions = Permissions(what), ModifiedSeconds = Time(what) };
    }

    private static uint Permissions(Statx what) => (uint)(what.Mode & 0b111_111_111_111) & ~SetIds;

    /// <summary>The time as mksquashfs stores it: st_mtime cut to SquashFS's unsigned 32 bits.</summary>
    private static uint Time(Statx what) => (uint)what.Mtime.Seconds;

    private static (uint, uint, ulong) Key(Statx what) => (what.DevMajor, what.DevMinor, what.Inode);

    private ImageBuildException Lost(string path, string why) =>
        SquashFsMaker.SourceLost("hpcrun", $"{Shown.Path(Path.Join(tree, path))}: {why}");

    /// <summary>An entry has extended attributes: the walk stops.</summary>
    private sealed class XattrsFound : Exception;

    /// <summary>A source file's content, read(2) from its descriptor; a read error fails the build.</summary>
    private sealed class SourceFile(SafeFileHandle fd, DirectorySquashFs walk, string path) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            int n = Libc.Read((int)fd.DangerousGetHandle(), buffer);
            return n >= 0 ? n : throw walk.Lost(path, Describe(Errno));
        }
    }
}
