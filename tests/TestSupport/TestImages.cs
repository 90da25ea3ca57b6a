namespace HpcRun.TestSupport;

/// <summary>
/// Small real images the tests build themselves: a busybox-static tree and its SquashFS,
/// kept in a world-readable directory so the unprivileged test user can run them. Built once
/// per machine (under a lock, since test projects run in parallel) and rebuilt when missing.
/// </summary>
public static class TestImages
{
    public static string Dir { get; } = Prepare("/var/tmp/hpcrun-test-images");

    /// <summary>A root file system holding only busybox and its applets: no /etc/passwd, no /etc/group,
    /// no /home.</summary>
    public static string BusyboxTree => Cached("busybox", dir =>
    {
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        File.Copy("/bin/busybox", Path.Combine(dir, "bin", "busybox"));
        foreach (string applet in TestEnvironment.RunChecked("/bin/busybox", "--list")
                     .Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (applet != "busybox") File.CreateSymbolicLink(Path.Combine(dir, "bin", applet), "busybox");
        foreach (string d in new[] { "etc", "proc", "sys", "dev", "tmp" })
            Directory.CreateDirectory(Path.Combine(dir, d));
    });

    /// <summary><see cref="BusyboxTree"/> with this machine's libc.so.6: an image whose glibc host libraries
    /// (MPI, verbs, GPU drivers) may be checked against and bound into.</summary>
    public static string BusyboxGlibcTree
    {
        get
        {
            string busybox = BusyboxTree; // outside the lock Cached takes
            return Cached("busybox-glibc", dir =>
            {
                TestEnvironment.RunChecked("cp", "-a", busybox, dir);
                Directory.CreateDirectory(dir + "/lib/x86_64-linux-gnu");
                File.Copy("/lib/x86_64-linux-gnu/libc.so.6", dir + "/lib/x86_64-linux-gnu/libc.so.6");
            });
        }
    }

    /// <summary>A real Debian root file system from `debootstrap --variant=minbase` (needs the Debian
    /// mirror the first time: tests using it are in category Network).</summary>
    public static string DebianMinbaseTree => Cached("debian-minbase",
        tree => TestEnvironment.RunChecked("debootstrap", "--variant=minbase", "bookworm", tree,
            "http://deb.debian.org/debian"));

    /// <summary>signal-counter.c (beside this file) as a static program: a job that says how many times each signal
    /// reached it. Under /var/tmp, which containers see as the host's.</summary>
    public static string SignalCounter => Cached("signal-counter", path => TestEnvironment.RunChecked("gcc",
        "-Wall", "-Wextra", "-Werror", "-static", "-O2", "-o", path,
        Path.Combine(TestEnvironment.RepoRoot, "tests", "TestSupport", "signal-counter.c")));

    /// <summary><see cref="BusyboxTree"/> as an image written out by skopeo, which puts the layers and config first
    /// and manifest.json (docker-archive) or index.json and oci-layout (oci-archive) last, and the same archives with
    /// their entries in the reverse order, those names first, as `docker save` writes them: layout/ (an OCI layout
    /// made by umoci, tagged 1), docker.tar (tagged bb:1), oci.tar, docker-reversed.tar, oci-reversed.tar.</summary>
    public static string BusyboxArchives
    {
        get
        {
            string tree = BusyboxTree; // outside the lock Cached takes
            return Cached("busybox-archives", dir =>
            {
                string layout = Path.Combine(dir, "layout"), bundle = Path.Combine(dir, "bundle");
                TestEnvironment.RunChecked("umoci", "init", "--layout", layout);
                TestEnvironment.RunChecked("umoci", "new", "--image", $"{layout}:1");
                TestEnvironment.RunChecked("umoci", "unpack", "--rootless", "--image", $"{layout}:1", bundle);
                TestEnvironment.RunChecked("cp", "-a", $"{tree}/.", Path.Combine(bundle, "rootfs"));
                TestEnvironment.RunChecked("umoci", "repack", "--image", $"{layout}:1", bundle);
                TestEnvironment.RunChecked("rm", "-rf", bundle);
                foreach (string target in new[] { "docker-archive:{0}/docker.tar:bb:1", "oci-archive:{0}/oci.tar:1" })
                    TestEnvironment.RunChecked("skopeo", "--insecure-policy", "copy", "-q", $"oci:{layout}:1",
                        string.Format(target, dir));
                foreach (string name in new[] { "docker", "oci" })
                    TestEnvironment.RunChecked("sh", "-c", $"cd {dir} && mkdir x && tar -xf {name}.tar -C x && " +
                        $"tar -tf {name}.tar | tac > list && tar -cf {name}-reversed.tar -C x --no-recursion " +
                        "-T list && rm -rf x list");
            });
        }
    }

    /// <summary>A SIF of busybox for arm64 that Apptainer 3.8.1 built (testdata/apptainer): its header and its
    /// programs say arm64, and it does not run here.</summary>
    public static string ApptainerArm64Sif { get; } =
        Path.Combine(TestEnvironment.RepoRoot, "tests", "HpcRun.Tests", "testdata", "apptainer", "busybox_arm64.sif");

    /// <summary><see cref="BusyboxTree"/> as a SquashFS file (mksquashfs, files owned by root).</summary>
    public static string BusyboxSquashFs
    {
        get
        {
            string tree = BusyboxTree; // outside the lock Cached takes
            return Cached("busybox.sqfs", path => MakeSquashFs(tree, path));
        }
    }

    /// <summary><see cref="BusyboxSquashFs"/> with a data block damaged after its tables, which a launch cannot find
    /// before the block is read (SquashFS has no checksums): busybox's exec of it fails with a bus error.</summary>
    public static string DamagedBlockSquashFs
    {
        get
        {
            string image = BusyboxSquashFs; // outside the lock Cached takes
            return Cached("damaged-block.sqfs", path =>
            {
                byte[] bytes = File.ReadAllBytes(image);
                Array.Fill(bytes, (byte)0xA5, 300_000, 256); // inside busybox's data blocks, after the superblock
                File.WriteAllBytes(path, bytes);
            });
        }
    }

    public static void MakeSquashFs(string tree, string output) =>
        TestEnvironment.RunChecked("mksquashfs", tree, output, "-noappend", "-quiet", "-no-progress", "-all-root");

    /// <summary>Builds <paramref name="name"/> with <paramref name="build"/> (given a temporary path,
    /// renamed into place when done) unless it already exists. <paramref name="build"/> must not
    /// call Cached itself (the lock is not re-entrant): resolve what it needs first.</summary>
    public static string Cached(string name, Action<string> build)
    {
        string path = Path.Combine(Dir, name);
        using var lockFile = Lock(Path.Combine(Dir, ".lock"));
        if (Path.Exists(path)) return path;
        string temp = path + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        File.Delete(temp);
        build(temp);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", temp);
        if (Directory.Exists(temp)) Directory.Move(temp, path); else File.Move(temp, path);
        return path;
    }

    /// <summary>An exclusive lock on <paramref name="path"/> (.NET takes flock without waiting: retry).</summary>
    public static FileStream Lock(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (attempt < 6000) { Thread.Sleep(100); }
        }
    }

    private static string Prepare(string dir)
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }
}
