using HpcRun.Build.SquashFs;
using HpcRun.TestSupport;
using static HpcRun.Build.Tests.SquashFs.SquashFsImages;

namespace HpcRun.Build.Tests.SquashFs;

/// <summary>A tree on disk written by mksquashfs (<c>-all-root -no-xattrs -no-exports -comp gzip</c>) and by the
/// writer from a walk of the same tree: the same unsquashfs listing and the same files.</summary>
[Collection(nameof(SquashFsWriter))]
public sealed class SquashFsEquivalenceTests : IDisposable
{
    private const int Block = SquashFsWriter.BlockSize;
    private readonly string dir = Directory.CreateTempSubdirectory("squashfs-equivalence-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_writer_and_mksquashfs_give_the_same_listing_and_files()
    {
        string tree = Path.Combine(dir, "tree");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        foreach ((string name, int size) in new[] { ("etc/empty", 0), ("etc/one", 1), ("etc/block", Block),
                     ("usr/share/long", 3 * Block + 11), ("usr/share/random", Block + 1) })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(tree, name))!);
            File.WriteAllBytes(Path.Combine(tree, name), name.EndsWith("random") ? Random(size, size)
                : [.. Enumerable.Range(0, size).Select(i => (byte)(i / 100))]);
        }
        for (int i = 0; i < 300; i++) File.WriteAllText(Path.Combine(tree, "etc", $"conf{i}"), $"setting {i}\n");
        File.CreateSymbolicLink(Path.Combine(tree, "usr/share/to-long"), "long");
        File.SetUnixFileMode(Path.Combine(tree, "etc/one"), (UnixFileMode)0b100_111_101_101);
        File.SetUnixFileMode(Path.Combine(tree, "tmp"), (UnixFileMode)0b1_111_111_111);
        TestEnvironment.RunChecked("find", tree, "-exec", "touch", "-h", "-d", $"@{Time}", "{}", "+");

        string made = Path.Combine(dir, "mksquashfs.sqfs"), written = Path.Combine(dir, "writer.sqfs");
        TestEnvironment.RunChecked("mksquashfs", tree, made, "-all-root", "-no-xattrs", "-no-exports", "-comp", "gzip",
            "-Xcompression-level", "3", "-noappend", "-quiet", "-no-progress");
        Write(written, writer => Walk(writer, new DirectoryInfo(tree)));

        Assert.Equal(Entries(made), Entries(written));
        Extract(made, Path.Combine(dir, "made"));
        Extract(written, Path.Combine(dir, "written"));
        Assert.Equal(Describe(Path.Combine(dir, "made")).OrderBy(e => e.Key, StringComparer.Ordinal),
            Describe(Path.Combine(dir, "written")).OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    private static string[] Entries(string image) =>
        [.. Listing(image).Split('\n').Where(line => line.Contains(" squashfs-root"))];

    private static FsDirectory Walk(SquashFsWriter writer, DirectoryInfo directory)
    {
        var node = new FsDirectory();
        Stamp(node, directory);
        foreach (FileSystemInfo entry in directory.EnumerateFileSystemInfos())
        {
            FsNode child = entry switch
            {
                { LinkTarget: { } target } => new FsSymlink(target),
                DirectoryInfo subdirectory => Walk(writer, subdirectory),
                _ => new FsFile(Content(writer, (FileInfo)entry)),
            };
            Stamp(child, entry);
            node.Entries[entry.Name] = child;
        }
        return node;
    }

    private static FileData Content(SquashFsWriter writer, FileInfo file)
    {
        using FileStream content = file.OpenRead();
        return writer.AddData(content, file.Length, CancellationToken.None);
    }

    private static void Stamp(FsNode node, FileSystemInfo entry)
    {
        node.Permissions = entry.LinkTarget is null ? (uint)entry.UnixFileMode : 0b111_111_111;
        node.ModifiedSeconds = (uint)new DateTimeOffset(entry.LastWriteTimeUtc).ToUnixTimeSeconds();
    }
}
