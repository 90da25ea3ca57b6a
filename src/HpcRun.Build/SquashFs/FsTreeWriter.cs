using HpcRun.Build.Tar;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// Applies a layer's tar entries into an <see cref="FsDirectory"/> tree held in memory, for
/// <see cref="SquashFsWriter"/>: what <see cref="TreeWriter"/> makes of them on disk, node for node. Names cleaned
/// (<see cref="RootDir.Clean"/>) and resolved inside the root (<see cref="FsResolver"/>), missing parents made with
/// mode 0755 and <paramref name="defaultTime"/> (seconds since 1970, also the root's until a layer names it), a file
/// in the way of one replaced; files, directories and symlinks with the modes and times <see cref="LayerEntry"/>
/// gives; a hard link to a file or a symlink is the same node under both names (a link to nothing, or to a directory,
/// skipped with a warning); device nodes, FIFOs and unknown types skipped (<see cref="SkippedEntries"/>). A directory
/// takes the mode and time of its last entry at once: nothing written into it later changes them, as TreeWriter's
/// last pass sees to on disk. A file's content goes to <paramref name="store"/> as it is read (the length in bytes
/// given): a file overwritten later leaves content that no node refers to.
/// </summary>
internal sealed class FsTreeWriter(Func<Stream, long, CancellationToken, FileData> store, IBuildReporter reporter,
    long defaultTime) : ILayerTarget
{
    /// <summary>A symlink's permission bits, as Linux gives every symlink.</summary>
    private const uint SymlinkMode = 0b111_111_111;

    /// <summary>The longest symlink target symlink(2) takes, bytes (PATH_MAX less the NUL).</summary>
    private const int TargetMax = 4095;

    private readonly FsResolver resolver =
        new(new FsDirectory { Permissions = LayerEntry.RootMode, ModifiedSeconds = Time(defaultTime) });

    /// <summary>The tree's root directory.</summary>
    public FsDirectory Root => resolver.Root;

    public string? Write(TarHeader entry, TarArchiveReader tar, string source, CancellationToken cancel)
    {
        FsLocation at = resolver.Resolve(RootDir.Clean(entry.Name), ImplicitDirectory)!.Value;
        uint time = Time(entry.MtimeSeconds);
        if (at.Name.Length == 0) // the root itself
        {
            if (entry.Kind != TarKind.Directory) return null;
            (Root.Permissions, Root.ModifiedSeconds) = (LayerEntry.DirectoryMode(entry.Mode), time);
            return "";
        }
        switch (entry.Kind)
        {
            case TarKind.Directory:
                if (at.Node is not FsDirectory directory) Put(at, directory = new FsDirectory());
                (directory.Permissions, directory.ModifiedSeconds) = (LayerEntry.DirectoryMode(entry.Mode), time);
                break;
            case TarKind.File:
                Put(at, null);
                FileData data = store(tar.Data(), entry.Size, cancel);
                at.Directory.Entries[at.Name] = new FsFile(data)
                {
                    Permissions = LayerEntry.FileMode(entry.Mode),
                    ModifiedSeconds = time,
                };
                break;
            case TarKind.Symlink:
                // symlink(2) refuses an empty target (ENOENT) and one of PATH_MAX bytes or more.
                if (entry.LinkName.Length == 0) throw LayerEntry.Failure("cannot create", at.Path, ENOENT);
                if (RawText.Encode(entry.LinkName).Length > TargetMax) throw RootDir.NameTooLong(at.Path);
                Put(at, new FsSymlink(entry.LinkName) { Permissions = SymlinkMode, ModifiedSeconds = time });
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
        if (resolver.Resolve(RootDir.Clean(path)) is { Name.Length: > 0 } at) at.Directory.Entries.Remove(at.Name);
    }

    public void Empty(string path, Func<string, bool> keep)
    {
        if (resolver.ResolveDirectory(RootDir.Clean(path)) is not { } at) return;
        foreach (string name in at.Directory.Entries.Keys.ToList())
            if (!keep(at.Path.Length == 0 ? name : $"{at.Path}/{name}")) at.Directory.Entries.Remove(name);
    }

    /// <summary>Nothing left to do: every directory has its mode and time.</summary>
    public void Finish() { }

    private bool Link(FsLocation at, string target, string source)
    {
        if (resolver.Resolve(RootDir.Clean(target)) is not { Name.Length: > 0, Node: { } node and not FsDirectory }
            from)
        {
            reporter.Warning(LayerEntry.LinkSkipped(source, at.Path, target));
            return false;
        }
        if (from.Path == at.Path) return true;
        // On disk the target's directory goes with a directory the link replaces, and link(2) finds nothing.
        if (from.Path.StartsWith(at.Path + "/", StringComparison.Ordinal))
            throw LayerEntry.Failure("cannot create", at.Path, ENOENT);
        Put(at, node);
        return true;
    }

    /// <summary>Replaces what is at <paramref name="at"/> with <paramref name="node"/> (null: removes it, for a node
    /// to come); a name longer than a file system takes fails as creating it on disk does.</summary>
    private static void Put(FsLocation at, FsNode? node)
    {
        if (RawText.Encode(at.Name).Length > FsResolver.NameMax) throw RootDir.NameTooLong(at.Path);
        if (node is null) at.Directory.Entries.Remove(at.Name);
        else at.Directory.Entries[at.Name] = node;
    }

    private FsDirectory ImplicitDirectory() => new()
    {
        Permissions = LayerEntry.DirectoryMode(0b111_101_101),
        ModifiedSeconds = Time(defaultTime),
    };

    private static uint Time(long seconds) => (uint)LayerEntry.Clamp(seconds);
}
