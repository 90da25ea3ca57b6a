using System.Text;
using HpcRun.Build.SquashFs;
using HpcRun.Image.Text;
using static HpcRun.Build.Tests.SquashFs.SquashFsImages;

namespace HpcRun.Build.Tests.SquashFs;

/// <summary>The SquashFS writer's images as unsquashfs 4.5.1, squashfuse_ll and the kernel read them back, and as
/// hpcrun's own superblock and table checks take them (<see cref="SquashFsImages.Write"/>).</summary>
[Collection(nameof(SquashFsWriter))] // one writer at a time: the thread test counts the process's threads
public sealed class SquashFsWriterTests : IDisposable
{
    private const int Block = SquashFsWriter.BlockSize;
    private readonly string dir = Directory.CreateTempSubdirectory("squashfs-writer-").FullName;
    private readonly Dictionary<FsFile, byte[]> contents = new(ReferenceEqualityComparer.Instance);

    public void Dispose() => Run("rm", "-rf", dir); // .NET cannot name what is not UTF-8

    private string Image(string name) => Path.Combine(dir, name);

    private FsFile Stored(SquashFsWriter writer, byte[] content, uint permissions = 0b110_100_100)
    {
        FsFile file = NewFile(writer, content, permissions);
        contents[file] = content;
        return file;
    }

    private static byte[] Text(int length, int seed) =>
        [.. Enumerable.Range(0, length).Select(i => (byte)"hpcrun squashfs "[(i * seed + i / 977) % 16])];

    /// <summary>A tree of every kind: files of sizes around the block size, incompressible ones, all-zero blocks,
    /// a directory of 600 long names (past 256 entries and past a basic inode's 64 KiB listing) in fragments, names
    /// that sort by bytes and are not UTF-8 or 255 bytes long, 300 levels of directories, symbolic links, a file and
    /// a link of two names each, setuid, setgid and sticky bits, and times from 0 to past 2038.</summary>
    private FsDirectory EveryKind(SquashFsWriter writer)
    {
        FsDirectory root = NewDirectory(0b111_101_101);
        foreach ((string name, int size) in new[] { ("empty", 0), ("one", 1), ("block-1", Block - 1),
                     ("block", Block), ("block+1", Block + 1), ("several", 5 * Block + 100) })
            root.Entries[name] = Stored(writer, Text(size, size % 13 + 1));
        root.Entries["random"] = Stored(writer, Random(2 * Block + 7, 1));
        root.Entries["zeros"] = Stored(writer, new byte[3 * Block + 5]);
        root.Entries["setuid"] = Stored(writer, Text(100, 3), 0b100_111_101_101);
        root.Entries["setgid"] = Stored(writer, Text(200, 5), 0b010_111_001_001);
        root.Entries["none"] = Stored(writer, Text(300, 7), 0);
        ((FsFile)root.Entries["one"]).ModifiedSeconds = 0;
        ((FsFile)root.Entries["block"]).ModifiedSeconds = 4_000_000_000;

        FsDirectory small = NewDirectory();
        for (int i = 0; i < 600; i++)
            small.Entries[$"{i:D4}{new string('x', 100)}"] =
                Stored(writer, i % 2 == 0 ? Random(i * 7 % 2000 + 1, i) : Text(i * 11 % 3000 + 1, i));
        root.Entries["small"] = small;

        FsDirectory names = NewDirectory();
        foreach (string name in new[] { "B", "a", "é", RawText.Decode([0x63, 0x61, 0x66, 0xe9]),
                     RawText.Decode([0xff]), new string('n', 255), "a b", "-" })
            names.Entries[name] = Stored(writer, Encoding.UTF8.GetBytes(name.Length.ToString()));
        names.Entries[RawText.Decode([0x6c, 0x80])] = new FsSymlink(RawText.Decode([0x74, 0xfe]))
        { Permissions = 0b111_111_111, ModifiedSeconds = Time };
        root.Entries["names"] = names;

        FsDirectory deep = root;
        for (int i = 0; i < 300; i++) deep = (FsDirectory)(deep.Entries["d"] = NewDirectory());
        deep.Entries["bottom"] = Stored(writer, Text(5000, 9));

        root.Entries["sticky"] = NewDirectory(0b1_111_111_111);
        root.Entries["link"] = new FsSymlink("one") { Permissions = 0b111_111_111, ModifiedSeconds = Time };
        root.Entries["dangling"] = new FsSymlink("/nowhere/at/all") { Permissions = 0b111_111_111 };
        FsFile hard = Stored(writer, Random(Block + 3, 2));
        root.Entries["hard"] = small.Entries["hard-too"] = hard;
        var linked = new FsSymlink("hard") { Permissions = 0b111_111_111, ModifiedSeconds = Time };
        root.Entries["linked"] = names.Entries["linked-too"] = linked;
        return root;
    }

    private void ReadsBack(string image, FsDirectory root, long offset = 0)
    {
        var expected = Expected(root, f => contents[f]).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        string extracted = Path.Combine(dir, "extracted");
        Extract(image, extracted, offset);
        Assert.Equal(expected, Describe(extracted).OrderBy(e => e.Key, StringComparer.Ordinal));
        Run("rm", "-rf", extracted);
        foreach (bool kernel in new[] { false, true })
        {
            string mounted = Path.Combine(dir, kernel ? "kernel" : "squashfuse");
            using (Mount(image, mounted, offset, kernel))
            {
                // Looked up before any listing is read: through the large directory's index.
                if (root.Entries.GetValueOrDefault("small") is FsDirectory small)
                    foreach (string name in new[] { "0000", "0299", "0599" }.Select(n => n + new string('x', 100)))
                        Assert.Equal(contents[(FsFile)small.Entries[name]],
                            File.ReadAllBytes(Path.Combine(mounted, "small", name)));
                Assert.Equal(expected, Describe(mounted).OrderBy(e => e.Key, StringComparer.Ordinal));
                if (root.Entries.ContainsKey("hard"))
                    foreach ((string first, string second) in new[] { ("hard", "small"), ("linked", "names") })
                        Assert.Equal(Run("stat", "-c", "%i", Path.Combine(mounted, first)),
                            Run("stat", "-c", "%i", Path.Combine(mounted, second, first + "-too")));
            }
        }
    }

    [Fact]
    public void Every_kind_of_entry_reads_back_byte_exact_through_unsquashfs_squashfuse_and_the_kernel()
    {
        string image = Image("every.sqfs");
        FsDirectory? root = null;
        Write(image, w => root = EveryKind(w));
        ReadsBack(image, root!);
    }

    [Fact]
    public void An_empty_root_is_a_file_system_of_one_directory()
    {
        string image = Image("empty.sqfs");
        FsDirectory root = NewDirectory(0b111_000_000);
        Write(image, _ => root);
        Assert.Matches(@"^drwx------ root/root +3 \S+ \S+ squashfs-root\n$", Listing(image)); // nothing else
        ReadsBack(image, root);
    }

    [Fact]
    public void The_same_tree_gives_the_same_bytes_whatever_the_threads()
    {
        string[] hashes = [.. new[] { 1, 2, 3 }.Select(threads =>
        {
            string image = Image($"threads-{threads}.sqfs");
            Write(image, EveryKind, threads: threads);
            return Sha256(File.ReadAllBytes(image));
        })];
        Assert.Equal([hashes[0], hashes[0]], hashes[1..]);
    }

    [Fact]
    public void Identical_content_is_stored_once()
    {
        byte[] big = Random(3 * Block + 5, 3), small = Random(1000, 4);
        FsDirectory Copies(SquashFsWriter writer, bool distinct)
        {
            FsDirectory root = NewDirectory();
            for (int i = 0; i < 3; i++)
            {
                root.Entries[$"big{i}"] = Stored(writer, distinct ? Random(big.Length, 10 + i) : big);
                root.Entries[$"small{i}"] = Stored(writer, distinct ? Random(small.Length, 20 + i) : small);
            }
            return root;
        }
        FsDirectory? root = null;
        long once = Write(Image("once.sqfs"), w => root = Copies(w, distinct: false));
        long thrice = Write(Image("thrice.sqfs"), w => Copies(w, distinct: true));
        Assert.True(once < thrice - 2 * big.Length, $"{once} vs {thrice}");
        Assert.Same(((FsFile)root!.Entries["big0"]).Data, ((FsFile)root.Entries["big2"]).Data);
        Assert.Same(((FsFile)root.Entries["small0"]).Data, ((FsFile)root.Entries["small1"]).Data);
        ReadsBack(Image("once.sqfs"), root);
    }

    [Fact]
    public void Content_no_file_refers_to_is_left_out()
    {
        byte[] live = Random(2 * Block + 3, 5), liveTail = Random(60_000, 6);
        FsDirectory Tree(SquashFsWriter writer, bool dead)
        {
            if (dead) Add(writer, Random(4 * Block, 7)); // a file a later layer replaced
            if (dead) Add(writer, Random(100_000, 8)); // its own fragment block: the live tail does not fit
            FsDirectory root = NewDirectory();
            root.Entries["live"] = Stored(writer, live);
            if (dead) Add(writer, Random(Block + 1, 9)); // a file a later layer deleted
            root.Entries["tail"] = Stored(writer, liveTail);
            return root;
        }
        FsDirectory? root = null;
        Write(Image("dead.sqfs"), w => root = Tree(w, dead: true));
        Write(Image("clean.sqfs"), w => Tree(w, dead: false));
        Assert.Equal(File.ReadAllBytes(Image("clean.sqfs")), File.ReadAllBytes(Image("dead.sqfs")));
        ReadsBack(Image("dead.sqfs"), root!);
    }

    [Fact]
    public void At_an_offset_nothing_below_it_is_written()
    {
        const long offset = 0x10000;
        string image = Image("offset.sif");
        File.WriteAllBytes(image, Enumerable.Repeat((byte)0xAB, (int)offset).ToArray());
        FsDirectory? root = null;
        Write(image, w =>
        {
            root = NewDirectory();
            root.Entries["data"] = Stored(w, Text(3 * Block + 9, 3));
            root.Entries["tail"] = Stored(w, Text(900, 5));
            return root;
        }, offset);
        Assert.All(File.ReadAllBytes(image)[..(int)offset], b => Assert.Equal(0xAB, b));
        ReadsBack(image, root!, offset);
    }

    [Fact]
    public void A_stream_that_ends_early_or_fails_or_a_cancellation_stops_it_and_dispose_ends_the_threads()
    {
        using (var output = File.Create(Image("failed.sqfs")))
        using (var writer = new SquashFsWriter(output, 0, 3, 2))
        {
            Assert.Throws<EndOfStreamException>(() => writer.AddData(new MemoryStream(new byte[10]), 11, default));
            Assert.Throws<EndOfStreamException>(
                () => writer.AddData(new MemoryStream(new byte[3 * Block]), 3 * Block + 1, default));
            Assert.Throws<IOException>(() => writer.AddData(new FailingStream(), 2 * Block, default));
            Assert.NotEmpty(Deflaters());
            Assert.Throws<OperationCanceledException>(
                () => writer.AddData(new MemoryStream(new byte[Block]), Block, new CancellationToken(true)));
            Assert.Throws<OperationCanceledException>( // the workers are stopped: no waiting for them
                () => writer.AddData(new MemoryStream(new byte[9 * Block]), 9 * Block, default));
        }
        // Joined: gone from the kernel's list of the process's threads once their exit completes.
        for (int tries = 0; tries < 500 && Deflaters().Any(); tries++) Thread.Sleep(10);
        Assert.Empty(Deflaters());
    }

    /// <summary>The writer's compressing threads now (their names, as the kernel cuts them to 15 bytes).</summary>
    private static List<string> Deflaters() =>
        [.. Directory.GetDirectories("/proc/self/task").Select(ThreadName)
            .Where(name => name.StartsWith("squashfs-deflat", StringComparison.Ordinal))];

    private static string ThreadName(string task)
    {
        try { return File.ReadAllText($"{task}/comm").Trim(); }
        catch (IOException) { return ""; } // ended meanwhile
    }

    private sealed class FailingStream : MemoryStream
    {
        public FailingStream() : base(new byte[SquashFsWriter.BlockSize]) { }

        // MemoryStream's other reads come here in a derived class.
        public override int Read(byte[] buffer, int offset, int count) =>
            Position < Length ? base.Read(buffer, offset, count) : throw new IOException("disk gone");
    }
}
