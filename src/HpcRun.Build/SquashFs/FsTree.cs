using HpcRun.Image.Posix;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// An entry of a file system that <see cref="SquashFsWriter"/> writes, held in memory while an image's layers are
/// applied. Every entry is owned by root (uid and gid 0). A node other than a directory may be reachable by more than
/// one name: that is a hard link, written as one inode whose link count is the number of names.
/// </summary>
internal abstract class FsNode
{
    /// <summary>The permission bits (07777; the writer adds the type).</summary>
    public uint Permissions { get; set; }

    /// <summary>The modification time, seconds since 1970 (SquashFS keeps unsigned 32-bit seconds).</summary>
    public uint ModifiedSeconds { get; set; }
}

/// <summary>A directory: its entries by name. Names are <see cref="Image.Text.RawText"/> strings (their bytes are
/// the names written), never "", "." or "..", never containing '/', at most 256 bytes once encoded (SquashFS's
/// SQUASHFS_NAME_LEN); the writer orders them by their bytes, as SquashFS's directory lookup needs.</summary>
internal sealed class FsDirectory : FsNode
{
    public Dictionary<string, FsNode> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>Puts <paramref name="node"/> at <paramref name="path"/> (absolute or not) below this directory, as
    /// mksquashfs adds a pseudo file: in place of what is there, its missing directories made (mode 0755,
    /// <paramref name="time"/>, seconds since 1970), a directory on the way kept as it is, anything else in the way
    /// replaced; no symlink followed.</summary>
    public void Add(string path, FsNode node, uint time)
    {
        FsDirectory directory = this;
        string[] parts = [.. RootDir.Components(path)];
        foreach (string part in parts[..^1])
        {
            if (directory.Entries.GetValueOrDefault(part) is not FsDirectory next)
                directory.Entries[part] = next = new FsDirectory
                {
                    Permissions = 0b111_101_101,
                    ModifiedSeconds = time,
                };
            directory = next;
        }
        directory.Entries[parts[^1]] = node;
    }
}

/// <summary>A regular file whose content <see cref="SquashFsWriter.AddData"/> stored.</summary>
internal sealed class FsFile(FileData data) : FsNode
{
    public FileData Data { get; set; } = data;
}

/// <summary>A symbolic link to <see cref="Target"/> (a <see cref="Image.Text.RawText"/> string).</summary>
internal sealed class FsSymlink(string target) : FsNode
{
    public string Target { get; } = target;
}
