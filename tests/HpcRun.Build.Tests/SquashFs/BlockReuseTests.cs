using HpcRun.Build.SquashFs;
using static HpcRun.Build.Tests.SquashFs.SquashFsImages;

namespace HpcRun.Build.Tests.SquashFs;

/// <summary>The writer's copies of an earlier image's stored blocks (<see cref="BlockReuse"/>): the image has the
/// bytes that compressing gives, and an earlier image that ends early (truncated after it was checked) makes the
/// writer compress what it could not copy, never store what it read short.</summary>
[Collection(nameof(SquashFsWriter))]
public sealed class BlockReuseTests : IDisposable
{
    private const int Block = SquashFsWriter.BlockSize;
    private readonly string dir = Directory.CreateTempSubdirectory("block-reuse-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Image(string name) => Path.Combine(dir, name);

    /// <summary>Files of several blocks (one all zeros, one incompressible), known by made-up identities, and 300
    /// small ones in fragments; <paramref name="edited"/>: one small file near the start and one large file
    /// differ, as after an edited step.</summary>
    private static FsDirectory Tree(SquashFsWriter writer, bool edited)
    {
        FsDirectory root = NewDirectory();
        byte[][] large = [Random(3 * Block + 5, 1), new byte[2 * Block], Text(5 * Block + 77, edited ? 9 : 3),
            Text(Block, 4), Random(3 * Block + 5, 1)];
        for (int i = 0; i < large.Length; i++)
        {
            var id = new FileIdentity(8, 1, (ulong)(i + (edited && i == 2 ? 100 : 1)), 1, 0, (ulong)large[i].Length,
                1, 0);
            FileData data = writer.Reused(id, CancellationToken.None) ?? Add(writer, large[i]);
            writer.Reuse?.Met(id, data);
            root.Entries[$"large{i}"] = new FsFile(data) { Permissions = 0b110_100_100, ModifiedSeconds = Time };
        }
        FsDirectory small = NewDirectory();
        for (int i = 0; i < 300; i++)
            small.Entries[$"{i:D3}"] = NewFile(writer, Text(i * 37 % 3000 + 1, edited && i == 250 ? 77 : i + 1));
        root.Entries["small"] = small;
        return root;
    }

    private static byte[] Text(int length, int seed) =>
        [.. Enumerable.Range(0, length).Select(i => (byte)"reuse blocks "[(i * seed + i / 331) % 13])];

    private static void Write(string path, bool edited, BlockReuse? reuse)
    {
        using var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        using var writer = new SquashFsWriter(output, 0, 3, 2) { Reuse = reuse };
        writer.Finish(Tree(writer, edited), Time, CancellationToken.None);
    }

    /// <summary>The first image, recorded; its index.</summary>
    private ReuseIndex First()
    {
        using var record = new BlockReuse(null, null, 0, "test");
        Write(Image("first.sqfs"), edited: false, record);
        return record.Written!;
    }

    [Fact]
    public void Copied_blocks_give_the_bytes_of_compressing()
    {
        ReuseIndex index = First();
        Write(Image("compressed.sqfs"), edited: true, null);
        using (var reuse = new BlockReuse(index, File.OpenHandle(Image("first.sqfs")),
                   new FileInfo(Image("first.sqfs")).Length, null))
        {
            Write(Image("copied.sqfs"), edited: true, reuse);
            Assert.True(reuse.Copied >= 8, $"{reuse.Copied} blocks copied");
            Assert.NotNull(reuse.From);
        }
        Assert.Equal(File.ReadAllBytes(Image("compressed.sqfs")), File.ReadAllBytes(Image("copied.sqfs")));
        Assert.Equal(Listing(Image("compressed.sqfs")), Listing(Image("copied.sqfs")));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void An_earlier_image_that_ends_early_is_compressed_from_the_source(double kept)
    {
        ReuseIndex index = First();
        Write(Image("compressed.sqfs"), edited: true, null);
        long length = new FileInfo(Image("first.sqfs")).Length;
        using (var first = File.Open(Image("first.sqfs"), FileMode.Open)) first.SetLength((long)(length * kept));
        using (var reuse = new BlockReuse(index, File.OpenHandle(Image("first.sqfs")), length, null))
        {
            Write(Image("copied.sqfs"), edited: true, reuse);
            Assert.Null(reuse.From); // the short read ended all reuse
        }
        Assert.Equal(File.ReadAllBytes(Image("compressed.sqfs")), File.ReadAllBytes(Image("copied.sqfs")));
    }
}
