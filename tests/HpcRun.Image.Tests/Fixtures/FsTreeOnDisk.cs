using HpcRun.Build.SquashFs;
using HpcRun.Image.Posix;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>An in-memory layer tree (<see cref="FsTreeWriter"/>) and the contents a test store kept for it, written
/// out into a directory node for node (a node under two names a hard link, modes and times set last), so that the
/// tests of the tree on disk look at it with the same eyes.</summary>
internal sealed class FsTreeOnDisk
{
    private readonly Dictionary<FileData, byte[]> contents = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<FsNode, string> written = new(ReferenceEqualityComparer.Instance);

    /// <summary>A store for <see cref="FsTreeWriter"/> that keeps each file's content.</summary>
    public FileData Store(Stream content, long length, CancellationToken cancel)
    {
        byte[] bytes = new byte[length];
        content.ReadExactly(bytes);
        var data = new FileData { Length = length };
        contents[data] = bytes;
        return data;
    }

    /// <summary>How many contents were stored, kept or not.</summary>
    public int Stored => contents.Count;

    /// <summary>Writes <paramref name="tree"/> into the empty directory <paramref name="root"/>.</summary>
    public void Write(FsDirectory tree, RootDir root)
    {
        using SafeFileHandle top = Open(root.Handle, ".", O_RDONLY | O_DIRECTORY);
        WriteDirectory(tree, top, "", root);
    }

    private void WriteDirectory(FsDirectory directory, SafeFileHandle fd, string path, RootDir root)
    {
        foreach ((string name, FsNode node) in directory.Entries)
        {
            string at = path.Length == 0 ? name : $"{path}/{name}";
            if (written.TryGetValue(node, out string? first))
            {
                using Location from = root.Resolve(first, RootDir.Follow.None)!;
                Check(LinkAt(from.Directory, from.Name, fd, name, 0), at);
                continue;
            }
            written[node] = at;
            switch (node)
            {
                case FsDirectory below:
                    Check(MkdirAt(fd, name, 0b111_000_000), at);
                    using (SafeFileHandle child = Open(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
                        WriteDirectory(below, child, at, root);
                    break;
                case FsFile file:
                    SafeFileHandle created = Open(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0b110_000_000);
                    using (var stream = new FileStream(created, FileAccess.Write, 0))
                    {
                        stream.Write(contents[file.Data]);
                        Check(Fchmod(created, file.Permissions) | SetTime(created, file.ModifiedSeconds, 0), at);
                    }
                    break;
                case FsSymlink link:
                    Check(SymlinkAt(link.Target, fd, name) | SetTime(fd, name, link.ModifiedSeconds, 0), at);
                    break;
            }
        }
        Check(Fchmod(fd, directory.Permissions) | SetTime(fd, directory.ModifiedSeconds, 0), path);
    }

    private static void Check(int result, string path)
    {
        if (result != 0) throw PosixException.Last($"cannot write {path}");
    }
}
