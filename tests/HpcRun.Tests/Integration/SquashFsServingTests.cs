using System.Security.Cryptography;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>The image served from hpcrun's own thread by the real libsquashfuse_ll: every
/// compression mksquashfs writes, block sizes at both ends, and the tuning of the library's
/// caches and gzip decompressor, which depends on its structure's layout.</summary>
[Collection(ContainerCollection.Name)]
public class SquashFsServingTests(ContainerFixture images)
{
    [Fact]
    public void TheLibraryIsTunedOnThisHost()
    {
        // Fails when Debian's libsquashfuse_ll no longer has 0.1.105's layout: hpcrun then serves
        // with squashfuse's own caches (correct, but decompressing blocks twice).
        CommandResult result = Hpcrun.Run("--debug", images.Image, "true");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("squashfuse keeps 128 metadata and 64 data and fragment blocks; " +
            "gzip blocks inflated by libdeflate", result.Stderr);
    }

    /// <summary>Whether a launch serves a SquashFS is guessed before its command line is parsed, from the image
    /// argument alone: the job's arguments (input files on a parallel file system, which every rank would look at)
    /// are never stat'ed or opened by hpcrun, even when one of them is an image file, after a directory image
    /// or a SquashFS one, with an option's value before the image.</summary>
    [Fact]
    public void TheJobsArgumentsAreNeverLookedAt()
    {
        string input = Path.Combine(TestImages.Dir, $"job-input-{Guid.NewGuid():N}.sqfs");
        File.Copy(images.Image, input);
        File.SetUnixFileMode(input, (UnixFileMode)0b110_100_100);
        try
        {
            foreach (string[] launch in new string[][] { [TestImages.BusyboxTree], [images.Image], ["-B", "/tmp:/mnt",
                TestImages.BusyboxTree], ["exec", "--env", "A=1", TestImages.BusyboxTree] })
            {
                CommandResult traced = Hpcrun.Script(
                    "t=$(mktemp); strace -f -qq -e trace=open,openat,openat2,stat,lstat,newfstatat,statx,access," +
                    "faccessat,faccessat2 -o $t \"$H\" \"$@\" >/dev/null 2>&1; echo $?; " +
                    "grep -c -F -- \"$INPUT\" $t; rm -f $t",
                    ["sh", .. launch, "true", input], new Dictionary<string, string> { ["INPUT"] = input });
                Assert.Equal(["0", "0"], traced.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        finally { File.Delete(input); }
    }

    [Theory]
    [InlineData("gzip", "128K")]
    [InlineData("gzip", "1M")]
    [InlineData("gzip", "4K")]
    [InlineData("xz", "128K")]
    [InlineData("lzo", "128K")]
    [InlineData("lz4", "128K")]
    [InlineData("zstd", "1M")]
    public void EveryFileReadsBackAsItWasWritten(string compression, string blockSize)
    {
        string tree = TestImages.BusyboxTree;
        string image = TestImages.Cached($"busybox-{compression}-{blockSize}.sqfs", path =>
            TestEnvironment.RunChecked("mksquashfs", tree, path, "-noappend", "-quiet", "-no-progress", "-all-root",
                "-comp", compression, "-b", blockSize));
        CommandResult result = Hpcrun.Run("--debug", image, "sha256sum", "/bin/busybox");
        Assert.True(result.ExitCode == 0, result.ToString());
        string expected = Convert.ToHexStringLower(
            SHA256.HashData(File.ReadAllBytes(Path.Combine(tree, "bin", "busybox"))));
        Assert.Equal(expected, result.Stdout.Split(' ')[0]);
        Assert.Contains(compression == "gzip" ? "inflated by libdeflate" : "decompressed by squashfuse", result.Stderr);
    }

    /// <summary>An image stored uncompressed (mksquashfs -noI -noD -noF -noX) reads back byte-exact, served
    /// with squashfuse's own small data and fragment caches: there is nothing to decompress twice.</summary>
    [Fact]
    public void AnUncompressedImageReadsBackWithTheLibrarysOwnDataCaches()
    {
        string tree = TestImages.BusyboxTree;
        string image = TestImages.Cached("busybox-uncompressed.sqfs", path =>
            TestEnvironment.RunChecked("mksquashfs", tree, path, "-noappend", "-quiet", "-no-progress", "-all-root",
                "-noI", "-noD", "-noF", "-noX"));
        CommandResult result = Hpcrun.Run("--debug", image, "sha256sum", "/bin/busybox");
        Assert.True(result.ExitCode == 0, result.ToString());
        string expected = Convert.ToHexStringLower(
            SHA256.HashData(File.ReadAllBytes(Path.Combine(tree, "bin", "busybox"))));
        Assert.Equal(expected, result.Stdout.Split(' ')[0]);
        Assert.Contains("squashfuse keeps 128 metadata and its own data and fragment caches (uncompressed)",
            result.Stderr);
    }

    /// <summary>A real Debian image's /usr (thousands of files, directories and symbolic links) read
    /// through the mount: every name, type, mode and link target, and every file's bytes, as in the tree
    /// it was built from. Files are read without FUSE opens (the server answers ENOSYS to open and
    /// opendir), each read finding its inode by number; a second pass reads them from the kernel's page
    /// cache and directory cache.</summary>
    [Fact]
    [Trait("Category", "Network")]
    public void EveryFileOfADebianImageReadsBackAsItWasWritten()
    {
        string tree = TestImages.DebianMinbaseTree;
        string image = TestImages.Cached("debian-minbase-gzip.sqfs", path => TestImages.MakeSquashFs(tree, path));
        const string inventory = "cd / && for pass in 1 2; do find usr -printf '%y %m %p %l\\n' | LC_ALL=C sort; " +
            "find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; done";
        CommandResult native = TestEnvironment.Run("sh", ["-c", inventory.Replace("cd /", $"cd {tree}")]);
        Assert.True(native.ExitCode == 0, native.ToString());
        CommandResult served = Hpcrun.Run(image, "sh", "-c", inventory);
        Assert.True(served.ExitCode == 0, served.ToString());
        Assert.True(native.Stdout.Split('\n').Length > 9000, native.Stdout);
        Assert.Equal(native.Stdout, served.Stdout);
    }

    /// <summary>A directory of 3,500 entries (files of several modes and sizes, a hard link, symbolic
    /// links, subdirectories) listed with attributes (readdirplus): its listing takes several replies, each
    /// resumed at the offset where the last one ended, and spans many of SquashFS's directory headers. The
    /// shell's glob lists it; stat then finds every name in what the listing left in the kernel's cache, so
    /// what it prints is what the listing said: it must be what the tree says.</summary>
    [Fact]
    public void ALargeDirectoryListsEveryEntryWithItsAttributes()
    {
        string busybox = TestImages.BusyboxTree;
        string tree = TestImages.Cached("large-directory", dir =>
        {
            TestEnvironment.RunChecked("cp", "-a", busybox, dir);
            string big = Directory.CreateDirectory(Path.Combine(dir, "big")).FullName;
            UnixFileMode[] modes = [(UnixFileMode)0b110_100_100, (UnixFileMode)0b111_101_101,
                (UnixFileMode)0b110_000_000, (UnixFileMode)0b100_100_100];
            for (int i = 0; i < 3000; i++)
            {
                string file = Path.Combine(big, $"f{i:D4}");
                File.WriteAllText(file, string.Concat(Enumerable.Repeat($"f{i:D4}\n", 1 + i % 7)));
                File.SetUnixFileMode(file, modes[i % modes.Length]);
            }
            for (int i = 0; i < 300; i++) File.CreateSymbolicLink(Path.Combine(big, $"l{i:D4}"), $"f{i:D4}");
            for (int i = 0; i < 199; i++) Directory.CreateDirectory(Path.Combine(big, $"d{i:D3}", "sub"));
            TestEnvironment.RunChecked("ln", Path.Combine(big, "f0000"), Path.Combine(big, "h0000"));
        });
        string image = TestImages.Cached("large-directory.sqfs", path => TestImages.MakeSquashFs(tree, path));
        const string listing = "cd /big && stat -c '%F %a %h %Y %n' * && stat -c '%s %n' f* h* && md5sum f*";
        CommandResult native = TestEnvironment.Run("/bin/busybox",
            ["sh", "-c", listing.Replace("cd /", $"cd {tree}/")]);
        Assert.True(native.ExitCode == 0, native.ToString());
        CommandResult served = Hpcrun.Run(image, "sh", "-c", listing);
        Assert.True(served.ExitCode == 0, served.ToString());
        string[] Lines(string output) =>
            [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
        Assert.Equal(3500 + 3001 + 3000, Lines(native.Stdout).Length);
        Assert.Equal(Lines(native.Stdout), Lines(served.Stdout));
    }
}
