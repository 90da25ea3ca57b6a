using System.Diagnostics;
using System.Security.Cryptography;
using HpcRun.Build.SquashFs;
using HpcRun.Image.Formats;
using HpcRun.Image.Text;

namespace HpcRun.Build.Tests.SquashFs;

/// <summary>
/// Writing images with <see cref="SquashFsWriter"/> and reading them back with the real readers: unsquashfs 4.5.1
/// (listing, extraction), squashfuse_ll (libsquashfuse 0.1.105, hpcrun's runtime reader) and the kernel. A tree
/// read back is described by find(1) and sha256sum, byte for byte (names need not be UTF-8), as a map from each
/// path (a <see cref="RawText"/> string, "" the root) to "type mode links time content".
/// </summary>
internal static class SquashFsImages
{
    public const uint Time = 1_700_000_000;

    /// <summary>Writes the tree <paramref name="build"/> makes (storing content through the writer it is given) to
    /// <paramref name="path"/>, checks the image as a launch does, and returns bytes_used.</summary>
    public static long Write(string path, Func<SquashFsWriter, FsDirectory> build, long offset = 0, int threads = 2,
        int level = 3)
    {
        using (var output = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite))
        using (var writer = new SquashFsWriter(output, offset, level, threads))
        {
            long used = writer.Finish(build(writer), Time, CancellationToken.None);
            Assert.Equal(offset + (used + 4095) / 4096 * 4096, output.Length);
            Assert.Equal(used, SquashFsSuperblock.Read(output, offset, output.Length - offset).BytesUsed);
            return used;
        }
    }

    public static FileData Add(SquashFsWriter writer, byte[] content) =>
        writer.AddData(new MemoryStream(content), content.Length, CancellationToken.None);

    public static FsFile NewFile(SquashFsWriter writer, byte[] content, uint permissions = 0b110_100_100) =>
        new(Add(writer, content)) { Permissions = permissions, ModifiedSeconds = Time };

    public static FsDirectory NewDirectory(uint permissions = 0b111_101_101) =>
        new() { Permissions = permissions, ModifiedSeconds = Time };

    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>unsquashfs -lls's listing, paths from the image's root ("squashfs-root/...").</summary>
    public static string Listing(string image, long offset = 0) =>
        Run("unsquashfs", "-n", "-lls", "-o", $"{offset}", image);

    /// <summary>Extracts the image with unsquashfs into <paramref name="dir"/> (which must not exist).</summary>
    public static void Extract(string image, string dir, long offset = 0) =>
        Run("unsquashfs", "-n", "-o", $"{offset}", "-d", dir, image);

    /// <summary>Mounts the image with squashfuse_ll (or the kernel's squashfs, <paramref name="kernel"/>) on
    /// <paramref name="dir"/> (made here) until disposed.</summary>
    public static IDisposable Mount(string image, string dir, long offset = 0, bool kernel = false)
    {
        Directory.CreateDirectory(dir);
        if (kernel) Run("mount", "-t", "squashfs", "-o", $"loop,ro,offset={offset}", image, dir);
        else Run("squashfuse_ll", "-o", $"offset={offset}", image, dir);
        return new Unmount(() => Run(kernel ? "umount" : "fusermount3", kernel ? [dir] : ["-u", dir]));
    }

    /// <summary>The tree at <paramref name="dir"/> as read back: find(1)'s type, mode, link count and time of every
    /// path, symbolic links' targets and files' SHA-256.</summary>
    public static Dictionary<string, string> Describe(string dir)
    {
        string[] found = Run("find", dir, "-printf", "%P\\0%y %m %n %T@\\0%l\\0").Split('\0');
        var hashes = Run("find", dir, "-type", "f", "-exec", "sha256sum", "-z", "{}", "+").Split('\0')
            .Where(l => l.Length > 0).ToDictionary(l => Path.GetRelativePath(dir, l[66..]), l => l[..64]);
        var tree = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 2 < found.Length; i += 3)
        {
            string[] f = found[i + 1].Split(' ');
            string time = f[3].Split('.')[0];
            tree[found[i]] = f[0] switch
            {
                "d" => $"d {f[1]} {f[2]} {time}",
                "f" => $"f {f[1]} {f[2]} {time} {hashes[found[i]]}",
                _ => $"l {f[2]} {found[i + 2]}",
            };
        }
        return tree;
    }

    /// <summary>What <see cref="Describe"/> must find for <paramref name="root"/>'s tree, given each file's
    /// content.</summary>
    public static Dictionary<string, string> Expected(FsDirectory root, Func<FsFile, byte[]> content)
    {
        var names = new Dictionary<FsNode, int>(ReferenceEqualityComparer.Instance);
        var paths = new List<(string Path, FsNode Node)> { ("", root) };
        var open = new Stack<(string Path, FsDirectory Directory)>([("", root)]);
        while (open.TryPop(out var at))
            foreach ((string name, FsNode node) in at.Directory.Entries)
            {
                string path = at.Path.Length == 0 ? name : $"{at.Path}/{name}";
                paths.Add((path, node));
                names[node] = names.GetValueOrDefault(node) + 1;
                if (node is FsDirectory directory) open.Push((path, directory));
            }
        return paths.ToDictionary(p => p.Path, p => p.Node switch
        {
            FsDirectory d => $"d {Mode(d)} {2 + d.Entries.Values.Count(e => e is FsDirectory)} {d.ModifiedSeconds}",
            FsFile f => $"f {Mode(f)} {names[f]} {f.ModifiedSeconds} {Sha256(content(f))}",
            FsSymlink l => $"l {names[l]} {l.Target}",
            _ => throw new ArgumentException("unknown node"),
        }, StringComparer.Ordinal);
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static string Mode(FsNode node) => Convert.ToString(node.Permissions, 8);

    /// <summary>Runs a tool to success; its output decoded byte for byte (<see cref="RawText"/>).</summary>
    public static string Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using Process process = Process.Start(info)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {errors.Result}");
        return RawText.Decode(output.ToArray());
    }

    private sealed class Unmount(Action unmount) : IDisposable
    {
        public void Dispose() => unmount();
    }
}
