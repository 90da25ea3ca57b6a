using System.Buffers.Binary;
using HpcRun.Image.Formats;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>Superblocks whose fields squashfuse would trust into a crash are refused with the format error
/// naming the field; the images mksquashfs writes are read.</summary>
public sealed class SquashFsSuperblockTests : IDisposable
{
    private static readonly byte[] sample = File.ReadAllBytes(SquashFsSamples.SquashFs);
    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    private static SquashFsSuperblock Read(byte[] bytes, long offset = 0) =>
        SquashFsSuperblock.Read(new MemoryStream(bytes), offset, bytes.Length - offset);

    private static string Refused(byte[] bytes) => Assert.Throws<ImageFormatException>(() => Read(bytes)).Message;

    private static string Refused(string mutation) => Refused(SuperblockMutations.Named(mutation).AppliedTo(sample, 0));

    private static ulong Field(byte[] bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));

    private static byte[] With(Action<byte[]> change)
    {
        var copy = (byte[])sample.Clone();
        change(copy);
        return copy;
    }

    [Fact]
    public void The_sample_has_every_table()
    {
        SquashFsSuperblock sb = Read(sample);
        Assert.Equal((128u << 10, (ushort)1, (long)Field(sample, 40)), (sb.BlockSize, sb.Compression, sb.BytesUsed));
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(sample.AsSpan(16))); // fragments
        Assert.NotEqual(ulong.MaxValue, Field(sample, 56)); // xattrs
        Assert.NotEqual(ulong.MaxValue, Field(sample, 88)); // export table
    }

    /// <summary>The first six crashed squashfuse 0.1.105's own squashfuse_ll before these checks: the NULL id index
    /// of issue 12 (segfault at the first stat), the id or fragment index read past the end of the file system
    /// (segfault), a NULL fragment index (segfault reading a small file), a division by zero (SIGFPE reading a
    /// file), garbage directory headers (segfault listing /).</summary>
    [Theory]
    [InlineData("no_ids-zero", "id table")]
    [InlineData("bytes_used-swap-id_table", "xattr table")] // the sample's last table is the xattrs'
    [InlineData("bytes_used-swap-fragment_table", "xattr table")]
    [InlineData("fragments-zero", "fragment table")]
    [InlineData("block_size-zero", "block size")]
    [InlineData("directory_table-zero", "inode table")]
    [InlineData("inodes-zero", "inode count")]
    [InlineData("block_size-plus1", "block size")]
    [InlineData("block_log-minus1", "block size")]
    [InlineData("compression-zero", "compression")]
    [InlineData("compression-ones", "compression")]
    [InlineData("flags-ones", "flags")]
    [InlineData("no_ids-ones", "id table")] // 65535 ids need 32 bytes of index, not 8
    [InlineData("fragments-ones", "fragment table")]
    [InlineData("root_inode-flip", "root inode")]
    [InlineData("bytes_used-zero", "size")]
    [InlineData("bytes_used-minus1", "xattr table")]
    [InlineData("id_table-plus1", "id table")]
    [InlineData("id_table-ones", "id table")]
    [InlineData("xattr_table-plus1", "xattr table")]
    [InlineData("inode_table-plus1", "inode table")]
    [InlineData("inode_table-swap-directory_table", "inode table")]
    [InlineData("directory_table-plus1", "directory table")]
    [InlineData("fragment_table-plus1", "fragment table")]
    [InlineData("export_table-plus1", "export table")]
    public void Each_field_is_checked(string mutation, string field) =>
        Assert.Equal($"corrupt SquashFS superblock ({field})", Refused(mutation));

    [Fact]
    public void A_block_log_is_not_taken_modulo_32() => // 1 << 49 is 1 << 17 in C#
        Assert.Contains("block size", Refused(With(b => b[22] += 32)));

    [Fact]
    public void The_root_inode_must_start_a_block_of_the_inode_table() =>
        Assert.Contains("root inode", Refused(With(b => b[34]++))); // its block moved by one byte

    [Fact]
    public void Table_indexes_must_point_at_whole_blocks_below_them()
    {
        Assert.Contains("id table", Refused(With(b => b[(int)Field(b, 48)]++)));
        Assert.Contains("fragment table", Refused(With(b => b[(int)Field(b, 80)] -= 2)));
        Assert.Contains("export table", Refused(With(b => b[(int)Field(b, 88)]++)));
        Assert.Contains("xattr table", Refused(With(b => b[(int)Field(b, 56) + 16]++)));
    }

    [Fact]
    public void A_file_system_longer_than_its_file_is_truncated() =>
        Assert.StartsWith("truncated SquashFS image", Refused(sample[..(int)(Field(sample, 40) - 1)]));

    /// <summary>The layouts mksquashfs writes, each table present or not, compressed or not; several index
    /// blocks (more than 2048 ids, 512 fragments); an empty root (no directory table at all).</summary>
    [Theory]
    [InlineData("files", "-no-fragments -no-exports -no-xattrs")]
    [InlineData("files", "-noI -noId -noD -noF -noX")]
    [InlineData("files", "-comp xz -b 4K")]
    [InlineData("files", "-comp zstd -b 1M")]
    [InlineData("files", "-comp lz4")]
    [InlineData("files", "-comp lzo")]
    [InlineData("many", "-b 4K")]
    [InlineData("empty", "")]
    public void Images_mksquashfs_makes_are_read(string tree, string options)
    {
        string dir = Directory.CreateDirectory(sandbox.File(tree)).FullName, output = sandbox.File("image.sqfs");
        List<string> args = [dir, output, "-noappend", "-quiet", "-no-progress", .. options.Split(' ', Split)];
        if (tree == "files")
            for (int i = 0; i < 20; i++) File.WriteAllText(Path.Combine(dir, $"f{i}"), $"file {i}\n");
        if (tree == "many")
        {
            var random = new Random(12);
            for (int i = 0; i < 600; i++) // 3000 bytes: a fragment each
                File.WriteAllBytes(Path.Combine(dir, $"f{i}"), RandomBytes(random, 3000));
            string pseudo = sandbox.File("pseudo");
            File.WriteAllLines(pseudo, Enumerable.Range(0, 2100).Select(i => $"d{i} d 755 {1000 + i} 0")); // 2101 ids
            args.AddRange(["-pf", pseudo]);
        }
        TestEnvironment.RunChecked("mksquashfs", [.. args]);
        byte[] bytes = File.ReadAllBytes(output);
        Assert.Equal((long)Field(bytes, 40), Read(bytes).BytesUsed);
        if (tree != "many") return; // two index blocks each:
        Assert.True(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(26)) > 2048, "ids");
        Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)) > 512, "fragments");
    }

    [Fact]
    public void The_partition_of_a_sif_is_read_at_its_offset()
    {
        byte[] sif = File.ReadAllBytes(SquashFsSamples.Sif);
        const long offset = SquashFsSamples.SifOffset;
        Assert.Equal((long)Field(sif, (int)offset + 40), Read(sif, offset).BytesUsed);
        byte[] corrupt = SuperblockMutations.Named("no_ids-zero").AppliedTo(sif, offset);
        var refused = Assert.Throws<ImageFormatException>(() => Read(corrupt, offset));
        Assert.Equal("corrupt SquashFS superblock (id table)", refused.Message);
    }

    /// <summary>Every superblock mutation, and thousands of random ones (seeded, so failures replay) with the
    /// image cut short now and then: each is read or refused with the format error, nothing else.</summary>
    [Fact]
    public void Mutated_superblocks_are_read_or_refused_with_the_format_error()
    {
        var outcomes = new Dictionary<bool, int> { [true] = 0, [false] = 0 };
        void Try(byte[] bytes)
        {
            try { Read(bytes); outcomes[true]++; }
            catch (ImageFormatException) { outcomes[false]++; }
        }
        foreach (SuperblockMutation mutation in SuperblockMutations.For(sample, 0)) Try(mutation.AppliedTo(sample, 0));
        var random = new Random(20261212);
        var fields = SuperblockMutations.Fields;
        byte[] bytes = (byte[])sample.Clone();
        for (int i = 0; i < 3000; i++)
        {
            sample.AsSpan(0, SquashFsSuperblock.Size).CopyTo(bytes);
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                var (_, offset, size) = fields[random.Next(fields.Length)];
                random.NextBytes(bytes.AsSpan(offset, random.Next(1, size + 1))); // its low bytes: small changes too
            }
            Try(random.Next(10) == 0 ? bytes[..random.Next(bytes.Length)] : bytes);
        }
        Assert.True(outcomes[true] > 0 && outcomes[false] > 0, "both outcomes exercised");
    }

    private const StringSplitOptions Split = StringSplitOptions.RemoveEmptyEntries;

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
