using System.Buffers.Binary;
using System.Security.Cryptography;
using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Integration;

/// <summary>How `hpcrun build` compresses an image, as the unprivileged test user: gzip level 3 by default,
/// --mksquashfs-args, HPCRUN_MKSQUASHFS_ARGS, Apptainer's APPTAINER_MKSQUASHFS_ARGS and the site's mksquashfs-args,
/// read back from the superblock and
/// its compressor options (squashfs_fs.h), and run through hpcrun.</summary>
public sealed class CompressionTests : IDisposable
{
    private const ushort Gzip = 1, Lzo = 3, Xz = 4, Lz4 = 5, Zstd = 6, CompressorOptions = 0x0400;
    private readonly string dir = Path.Combine(TestImages.Dir, $"compression-{Guid.NewGuid():N}");
    private readonly string tree, blob;

    public CompressionTests()
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        tree = Path.Combine(dir, "tree");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        byte[] data = new byte[3 << 20];
        new Random(15).NextBytes(data.AsSpan(0, 1 << 20)); // incompressible, then compressible text
        for (int i = 1 << 20; i < data.Length; i++) data[i] = (byte)("hpcrun "[i % 7]);
        File.WriteAllBytes(blob = Path.Combine(tree, "blob"), data);
        TestEnvironment.OpenAllButTheCache(dir);
    }

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private CommandResult Build(string output, IDictionary<string, string>? env, params string[] args) =>
        Hpcrun.Run(["build", .. args, Path.Combine(dir, output), tree], env, cwd: dir);

    /// <summary>The image's compressor and, when the superblock says they are stored, its compressor options (the
    /// uncompressed metadata block after the superblock, squashfs_fs.h).</summary>
    private (ushort Compressor, byte[]? Options) Compression(string output)
    {
        using FileStream image = File.OpenRead(Path.Combine(dir, output));
        byte[] block = new byte[96 + 2 + 8];
        image.Position = output.EndsWith(".sif", StringComparison.Ordinal) ? SifWriter.PartitionOffset : 0;
        image.ReadExactly(block);
        ushort compressor = BinaryPrimitives.ReadUInt16LittleEndian(block.AsSpan(20));
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(block.AsSpan(24));
        return (compressor, (flags & CompressorOptions) == 0 ? null : block[98..]);
    }

    private static int GzipLevel(byte[]? options) =>
        options is null ? 9 : BinaryPrimitives.ReadInt32LittleEndian(options); // 9: mksquashfs's default

    /// <summary>The blob read back through hpcrun (libsquashfuse serving the image), byte for byte.</summary>
    private void RunsByteExact(string output)
    {
        CommandResult run = Hpcrun.Run([Path.Combine(dir, output), "sha256sum", "/blob"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(blob))), run.Stdout);
    }

    private static void Ok(CommandResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    [Fact]
    public void The_default_image_is_gzip_level_3_runs_and_its_build_record_says_so()
    {
        Ok(Build("default.sif", null));
        (ushort compressor, byte[]? options) = Compression("default.sif");
        Assert.Equal(Gzip, compressor);
        Assert.Equal(3, GzipLevel(options));
        RunsByteExact("default.sif");
        string json = Hpcrun.Run("inspect", "--json", Path.Combine(dir, "default.sif")).Stdout;
        Assert.Contains("\"-comp\",\n      \"gzip\",\n      \"-Xcompression-level\",\n      \"3\"", json);
        Assert.Contains("\"fileSystemMaker\": \"hpcrun\"", json);
        Assert.Contains("Squashed by:  hpcrun\nCompression:  -comp gzip -Xcompression-level 3\n",
            Hpcrun.Run("inspect", Path.Combine(dir, "default.sif")).Stdout);

        Ok(Build("default.sqfs", null, "--sqfs"));
        Assert.Equal((Gzip, 3), (Compression("default.sqfs").Compressor,
            GzipLevel(Compression("default.sqfs").Options)));
    }

    [Fact]
    public void Mksquashfs_args_choose_the_compressor_and_level_and_hpcrun_runs_what_they_make()
    {
        Ok(Build("xz.sif", null, "--mksquashfs-args", "-comp xz"));
        Assert.Equal(Xz, Compression("xz.sif").Compressor);
        RunsByteExact("xz.sif");
        Assert.Contains("Squashed by:  mksquashfs\nCompression:  -comp xz\n",
            Hpcrun.Run("inspect", Path.Combine(dir, "xz.sif")).Stdout);

        Ok(Build("nine.sif", null, "--mksquashfs-args", "-Xcompression-level 9"));
        Assert.Equal((Gzip, 9), (Compression("nine.sif").Compressor, GzipLevel(Compression("nine.sif").Options)));
        RunsByteExact("nine.sif");
    }

    [Fact]
    public void A_recipe_build_takes_them_for_the_image_it_writes()
    {
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), $"FROM {tree}\nRUN echo built > /built\n");
        CommandResult build = Hpcrun.Run(["build", "--mksquashfs-args", "-comp zstd", Path.Combine(dir, "recipe.sif"),
            "Dockerfile"], new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = Path.Combine(dir, "cache") }, dir);
        Ok(build);
        Assert.Equal(Zstd, Compression("recipe.sif").Compressor);
        Assert.Equal("built\n", Hpcrun.Run(Path.Combine(dir, "recipe.sif"), "cat", "/built").Stdout);
    }

    [Fact]
    public void The_same_inputs_and_arguments_give_the_same_bytes()
    {
        var epoch = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        Ok(Build("a.sif", epoch, "--mksquashfs-args", "-comp zstd -Xcompression-level 5 -b 64K"));
        Ok(Build("b.sif", epoch, "--mksquashfs-args", "-comp zstd  -Xcompression-level 5\t-b 64K"));
        Assert.Equal(Zstd, Compression("a.sif").Compressor);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, "a.sif"))),
            SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, "b.sif"))));
    }

    [Theory]
    [InlineData("--mksquashfs-args", "-e /blob", "--mksquashfs-args: hpcrun does not pass -e on")]
    [InlineData("--mksquashfs-args", "-noappend -info", "--mksquashfs-args: hpcrun does not pass -noappend on")]
    [InlineData("--mksquashfs-args", "-comp lzma", "--mksquashfs-args: -comp lzma: hpcrun cannot serve images")]
    [InlineData("HPCRUN_MKSQUASHFS_ARGS", "-all-root", "HPCRUN_MKSQUASHFS_ARGS: hpcrun does not pass -all-root on")]
    [InlineData("APPTAINER_MKSQUASHFS_ARGS", "-e /blob", "APPTAINER_MKSQUASHFS_ARGS: hpcrun does not pass -e on")]
    public void Refused_arguments_exit_64_with_one_line_and_leave_nothing_behind(string how, string args,
        string message)
    {
        CommandResult result = how.StartsWith('-') ? Build("refused.sif", null, how, args)
            : Build("refused.sif", new Dictionary<string, string> { [how] = args });
        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.StartsWith($"hpcrun: {message}", Assert.Single(result.Stderr.Trim().Split('\n')));
        Assert.Equal(["tree"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void The_site_key_applies_the_variables_beat_it_and_the_option_beats_all()
    {
        string conf = Path.Combine(dir, "hpcrun.conf");
        File.WriteAllText(conf, "# smaller images\nmksquashfs-args = -comp xz\n");
        var site = new Dictionary<string, string> { ["HPCRUN_CONFIG"] = conf };
        Ok(Build("site.sif", site));
        Assert.Equal(Xz, Compression("site.sif").Compressor);

        Ok(Build("variable.sif", new Dictionary<string, string>(site) { ["HPCRUN_MKSQUASHFS_ARGS"] = "-comp lzo" }));
        Assert.Equal(Lzo, Compression("variable.sif").Compressor);

        // Apptainer's variable (of build's --mksquashfs-args) beats the site's too, and gives way to hpcrun's.
        Ok(Build("apptainer.sif",
            new Dictionary<string, string>(site) { ["APPTAINER_MKSQUASHFS_ARGS"] = "-comp zstd" }));
        Assert.Equal(Zstd, Compression("apptainer.sif").Compressor);
        Ok(Build("singularity.sif",
            new Dictionary<string, string>(site) { ["SINGULARITY_MKSQUASHFS_ARGS"] = "-comp lz4" }));
        Assert.Equal(Lz4, Compression("singularity.sif").Compressor);
        Ok(Build("both.sif", new Dictionary<string, string>(site)
        { ["HPCRUN_MKSQUASHFS_ARGS"] = "-comp lzo", ["APPTAINER_MKSQUASHFS_ARGS"] = "-comp zstd" }));
        Assert.Equal(Lzo, Compression("both.sif").Compressor);

        Ok(Build("option.sif", new Dictionary<string, string>(site) { ["APPTAINER_MKSQUASHFS_ARGS"] = "-comp zstd" },
            "--mksquashfs-args", "-comp lz4 -Xhc"));
        Assert.Equal(Lz4, Compression("option.sif").Compressor);
        RunsByteExact("option.sif");

        File.WriteAllText(conf, "mksquashfs-args = -comp xz -p x\n");
        CommandResult bad = Build("bad.sif", site);
        Assert.True(bad.ExitCode == 79, bad.ToString());
        Assert.StartsWith($"hpcrun: {conf}:1: mksquashfs-args: hpcrun does not pass -p on", bad.Stderr.Trim());
        Assert.False(File.Exists(Path.Combine(dir, "bad.sif")));
    }
}
