using System.Runtime.InteropServices;
using System.Text;
using HpcRun.Build;
using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>
/// Small real images made by mksquashfs whose superblock points at every kind of table: busybox (so that
/// hpcrun runs them), /etc/passwd, /etc/group and /data/f1-f3 (small files: packed into a fragment), an
/// extended attribute on /data/f1 (xattr tables), and the export and id tables mksquashfs always writes. Plain,
/// and as the partition of a SIF that hpcrun's builder makes. Built once per machine, readable by the test user.
/// </summary>
public static class SquashFsSamples
{
    /// <summary>Where the file system starts in <see cref="Sif"/>.</summary>
    public const long SifOffset = SifWriter.PartitionOffset;

    public static string SquashFs
    {
        get
        {
            string tree = Tree; // outside the lock Cached takes
            return TestImages.Cached("busybox-tables.sqfs", path => TestImages.MakeSquashFs(tree, path));
        }
    }

    public static string Sif
    {
        get
        {
            string tree = Tree;
            return TestImages.Cached("busybox-tables.sif", path =>
                ImageBuilder.Build(new BuildRequest(path, tree), "test", new RecordingReporter()));
        }
    }

    private static string Tree
    {
        get
        {
            string busybox = TestImages.BusyboxTree;
            return TestImages.Cached("busybox-tables", dir =>
            {
                TestEnvironment.RunChecked("cp", "-a", busybox, dir);
                File.WriteAllText(Path.Combine(dir, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
                File.WriteAllText(Path.Combine(dir, "etc", "group"), "root:x:0:\n");
                Directory.CreateDirectory(Path.Combine(dir, "data"));
                for (int i = 1; i <= 3; i++) File.WriteAllText(Path.Combine(dir, "data", $"f{i}"), $"small file {i}\n");
                SetAttribute(Path.Combine(dir, "data", "f1"), "user.note", "kept by mksquashfs");
            });
        }
    }

    private static void SetAttribute(string path, string name, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (setxattr(path, name, bytes, (nuint)bytes.Length, 0) != 0)
            throw new InvalidOperationException($"setxattr {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setxattr(string path, string name, byte[] value, nuint size, int flags);
}
