using System.Security.Cryptography;
using HpcRun.Image.Posix;
using HpcRun.Image.Tests.Fixtures;

namespace HpcRun.Image.Tests;

/// <summary>Random layers over a few names (files, directories of several modes, symlinks relative, absolute and
/// climbing, hard links, whiteouts, opaque markers, devices) applied on disk and into the tree in memory: the two
/// trees are the same, entry for entry (type, mode, time, content, link target, which names share a node), or both
/// refuse the layers with the same error.</summary>
public sealed class LayerTargetEquivalenceTests
{
    private static readonly string[] Names = ["a", "b", "c"];
    private static readonly string[] Targets = ["a", "../a", "/b/c", "a/b", ".", "..", "/", "c/../b", "/a/a"];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_layers_give_the_same_tree_on_disk_and_in_memory(int seed)
    {
        var random = new Random(seed);
        byte[][] layers = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => Layer(random))];
        using var disk = new Flattening();
        using var memory = new Flattening(inMemory: true);
        disk.DefaultTime = memory.DefaultTime = 1234;
        string diskResult = Outcome(disk, layers), memoryResult = Outcome(memory, layers);
        Assert.Equal(diskResult, memoryResult);
        Assert.Equal(disk.Reporter.Warnings, memory.Reporter.Warnings);
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 300)];

    private static byte[] Layer(Random random)
    {
        var tar = new LayerTar();
        for (int i = random.Next(1, 12); i > 0; i--)
        {
            string path = string.Join('/', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, Names)));
            string parent = path.Contains('/') ? path[..path.LastIndexOf('/')] + "/" : "";
            _ = random.Next(9) switch
            {
                0 or 1 => tar.Dir(path, (UnixFileMode)Pick(random, [0b111_101_101, 0b111_000_000, 0b101_101_101])),
                2 or 3 => tar.File(path, $"{path} {random.Next(3)}", (UnixFileMode)Pick(random, [0b110_100_100,
                    0b111_101_101 | 0b100_000_000_000])),
                4 => tar.Symlink(path, Pick(random, Targets)),
                5 => tar.HardLink(path, string.Join('/', Enumerable.Range(0, random.Next(1, 3))
                    .Select(_ => Pick(random, Names)))),
                6 => tar.File($"{parent}.wh.{Pick(random, Names)}", ""),
                7 => tar.File($"{parent}.wh..wh..opq", ""),
                _ => tar.Fifo(path),
            };
        }
        return tar.Bytes();
    }

    private static T Pick<T>(Random random, T[] from) => from[random.Next(from.Length)];

    private static string Outcome(Flattening flattening, byte[][] layers)
    {
        try { flattening.Apply(layers); }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
        var nodes = new Dictionary<ulong, string>();
        Libc.Statx root = Libc.Stat(Libc.Cwd, flattening.Sandbox.Root)!.Value;
        return $"/ {Convert.ToString(root.Mode, 8)} {root.Mtime.Seconds}\n" +
            string.Join('\n', Listing(flattening.Sandbox.Root, "", nodes));
    }

    /// <summary>One line an entry, in name order: path, mode (type too), time, the first path of its node, and its
    /// content's hash or its target.</summary>
    private static IEnumerable<string> Listing(string root, string path, Dictionary<ulong, string> nodes)
    {
        string directory = Path.Combine(root, path);
        foreach (string full in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            string at = Path.GetRelativePath(root, full);
            Libc.Statx stat = Libc.Stat(Libc.Cwd, full)!.Value;
            string first = nodes.TryAdd(stat.Inode, at) ? "" : $" = {nodes[stat.Inode]}";
            string what = stat.Type switch
            {
                Libc.S_IFREG => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(full)))[..12],
                Libc.S_IFLNK => new FileInfo(full).LinkTarget!,
                _ => "",
            };
            yield return $"{at} {Convert.ToString(stat.Mode, 8)} {stat.Mtime.Seconds}{first} {what}";
            if (stat.Type == Libc.S_IFDIR)
                foreach (string line in Listing(root, at, nodes)) yield return line;
        }
    }
}
