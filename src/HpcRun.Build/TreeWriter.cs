using HpcRun.Build.Posix;
using HpcRun.Build.Tar;
using HpcRun.Image.Posix;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// Writes tar entries into a <see cref="RootDir"/>, as a container engine unpacks a layer: files, directories,
/// symlinks and hard links (to a file or to a symlink, as Docker and GNU tar write them), each with its
/// entry's permissions less setuid/setgid, and its modification time (a symlink's own time too), so that
/// Python's .pyc files and make-style caches stay valid in the image. Directories get their mode and time
/// last (<see cref="Finish"/>), once nothing more is written into them, found again then by their path in the
/// root with no symlink followed: a directory that a later entry replaced (by a symlink out of the root, say)
/// is left alone. Device nodes, FIFOs and unknown entry types are skipped (<see cref="SkippedEntries"/>). Modes,
/// times and warnings as <see cref="LayerEntry"/> gives them.
/// </summary>
/// <param name="keepDirectoryModes">A directory entry for a directory the tree has already keeps that directory's
/// mode and takes the entry's time, as BuildKit's COPY (not `--link`) treats the directories it copies into; without
/// it, as a layer, the entry's mode wins.</param>
/// <param name="createdDirectoryMode">The mode of a directory made because an entry lies below it.</param>
internal sealed class TreeWriter(RootDir root, IBuildReporter reporter, long defaultTime,
    bool keepDirectoryModes = false, uint createdDirectoryMode = 0b111_101_101) : ILayerTarget
{
    /// <summary>A directory's mode and modification time, set once the layers are applied.</summary>
    private readonly record struct Metadata(uint Mode, long Seconds, long Nanoseconds);

    /// <summary>The root too: when no layer names it ("./"), it would keep the time its scratch directory
    /// was made, and two builds of the same input would differ.</summary>
    private readonly Dictionary<string, Metadata> directories = new(StringComparer.Ordinal)
    {
        [""] = new(LayerEntry.RootMode, defaultTime, 0),
    };

    /// <summary>Writes <paramref name="entry"/> (<see cref="ILayerTarget.Write"/>). The entry's name is cleaned
    /// first (<see cref="RootDir.Clean"/>), as containerd cleans it: "a/.." is the root, and a name
    /// whose last part is ".." never reaches the resolver, which has no parent directory to give for it.</summary>
    public string? Write(TarHeader entry, TarArchiveReader tar, string source, CancellationToken cancel)
    {
        // Not null: with the callback, missing parents are made and a file in the way replaced (or it throws).
        using Location at = root.Resolve(RootDir.Clean(entry.Name), RootDir.Follow.Parents, ImplicitDirectory)!;
        if (at.Name.Length == 0) // the root itself
        {
            if (entry.Kind != TarKind.Directory) return null;
            directories[""] = DirectoryMetadata(entry);
            return "";
        }
        switch (entry.Kind)
        {
            case TarKind.Directory:
                Statx? existing = at.Stat();
                if (existing is not { Type: S_IFDIR })
                {
                    Clear(at.Directory, at.Name, at.Path);
                    if (MkdirAt(at.Directory, at.Name, 0b111_101_101) != 0) throw Failure("cannot create", at.Path);
                }
                directories[at.Path] = existing is { Type: S_IFDIR } had && keepDirectoryModes
                    && !directories.ContainsKey(at.Path)
                    ? DirectoryMetadata(entry) with { Mode = had.Mode & 0xFFFu }
                    : DirectoryMetadata(entry);
                break;
            case TarKind.File:
                Clear(at.Directory, at.Name, at.Path);
                WriteFile(at, entry, tar, cancel);
                break;
            case TarKind.Symlink:
                Clear(at.Directory, at.Name, at.Path);
                if (SymlinkAt(entry.LinkName, at.Directory, at.Name) != 0) throw Failure("cannot create", at.Path);
                if (SetTime(at.Directory, at.Name, LayerEntry.Clamp(entry.MtimeSeconds), entry.MtimeNanoseconds) != 0)
                    throw Failure("cannot set the time of", at.Path);
                break;
            case TarKind.HardLink:
                return Link(at, entry.LinkName, source) ? at.Path : null;
            default: // told by the caller, one warning for the layer (SkippedEntries)
                return null;
        }
        return at.Path;
    }

    public void Remove(string path)
    {
        using Location? at = root.Resolve(RootDir.Clean(path), RootDir.Follow.Parents);
        if (at is { Name.Length: > 0 }) Clear(at.Directory, at.Name, at.Path);
    }

    public void Empty(string path, Func<string, bool> keep)
    {
        using Location? at = root.Resolve(RootDir.Clean(path), RootDir.Follow.All);
        if (at?.Stat() is not { Type: S_IFDIR }) return;
        using SafeFileHandle dir = Open(at.Directory, ".", O_RDONLY | O_DIRECTORY);
        foreach ((string name, _) in ReadDirectory(dir, out _))
        {
            string child = at.Path.Length == 0 ? name : $"{at.Path}/{name}";
            if (!keep(child)) Clear(dir, name, child);
        }
    }

    /// <summary>Gives every directory its mode and time, now that nothing more is written into them.</summary>
    public void Finish()
    {
        foreach (var (path, (mode, seconds, nanoseconds)) in directories)
        {
            using SafeFileHandle? dir = root.OpenDirectory(path, RootDir.Follow.None);
            if (dir is null) continue; // replaced since, by a file or a symlink
            if (Fchmod(dir, mode) != 0 || SetTime(dir, seconds, nanoseconds) != 0)
                throw Failure("cannot set the mode and time of", path.Length == 0 ? "/" : path);
        }
    }

    private static void WriteFile(Location at, TarHeader entry, TarArchiveReader tar, CancellationToken cancel)
    {
        SafeFileHandle fd = Open(at.Directory, at.Name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0b110_000_000);
        if (fd.IsInvalid) throw Failure("cannot create", at.Path);
        using var file = new FileStream(fd, FileAccess.Write, 0); // owns fd; unbuffered, so the time set below stays
        tar.CopyData(file, cancel);
        if (Fchmod(fd, LayerEntry.FileMode(entry.Mode)) != 0 || SetEntryTime(fd, entry) != 0)
            throw Failure("cannot set the mode and time of", at.Path);
    }

    private bool Link(Location at, string target, string source)
    {
        using Location? from = root.Resolve(RootDir.Clean(target), RootDir.Follow.Parents);
        if (from is not { Name.Length: > 0 } || from.Stat() is not { } what || what.Type == S_IFDIR)
        {
            reporter.Warning(LayerEntry.LinkSkipped(source, at.Path, target));
            return false;
        }
        if (from.Path == at.Path) return true;
        Clear(at.Directory, at.Name, at.Path);
        if (LinkAt(from.Directory, from.Name, at.Directory, at.Name, 0) != 0) throw Failure("cannot create", at.Path);
        return true;
    }

    /// <summary>Removes what is at <paramref name="name"/> in <paramref name="dir"/> (<paramref name="path"/> in the
    /// root), and forgets the directories that went with it.</summary>
    private void Clear(SafeFileHandle dir, string name, string path)
    {
        if (Stat(dir, name) is not { } what) return;
        if (what.Type != S_IFDIR && UnlinkAt(dir, name, 0) == 0) return;
        Tree.Remove(dir, name);
        string below = path + "/";
        var gone = directories.Keys.Where(d => d == path || d.StartsWith(below, StringComparison.Ordinal)).ToList();
        foreach (string directory in gone)
            directories.Remove(directory);
    }

    private void ImplicitDirectory(string path) =>
        directories.TryAdd(path, new(LayerEntry.DirectoryMode(createdDirectoryMode), defaultTime, 0));

    private static Metadata DirectoryMetadata(TarHeader entry) =>
        new(LayerEntry.DirectoryMode(entry.Mode), LayerEntry.Clamp(entry.MtimeSeconds), entry.MtimeNanoseconds);

    private static int SetEntryTime(SafeFileHandle fd, TarHeader entry) =>
        SetTime(fd, LayerEntry.Clamp(entry.MtimeSeconds), entry.MtimeNanoseconds);

    private static Exception Failure(string what, string path) => LayerEntry.Failure(what, path, Errno);
}
