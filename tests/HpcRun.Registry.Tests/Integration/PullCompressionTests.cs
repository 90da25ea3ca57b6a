using HpcRun.Image.Formats;
using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>How `hpcrun pull` compresses the SIF it writes: hpcrun's default, or --mksquashfs-args as Apptainer's
/// pull takes it; the shared cache of `hpcrun docker://` is made with the default only.</summary>
[Collection(RegistryCollection.Name)]
public sealed class PullCompressionTests(RegistryFixture registry) : IDisposable
{
    private readonly string dir = Directory.CreateDirectory(
        Path.Combine(TestImages.Dir, $"pull-compression-{Guid.NewGuid():N}")).FullName;

    private static readonly Dictionary<string, string> Insecure = new() { ["HPCRUN_INSECURE"] = "1" };

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private CommandResult Run(params string[] args)
    {
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        return Hpcrun.Run(args, new Dictionary<string, string>(Insecure) { ["HPCRUN_CACHEDIR"] = $"{dir}/cache" });
    }

    /// <summary>The SIF's compressor id (1 gzip, 4 xz, 6 zstd: squashfs_fs.h).</summary>
    private ushort Compressor(string sif)
    {
        using FileStream file = File.OpenRead(Path.Combine(dir, sif));
        return SquashFsSuperblock.Read(file, SifWriter.PartitionOffset, file.Length - SifWriter.PartitionOffset)
            .Compression;
    }

    [Fact]
    public void Pull_and_build_from_a_reference_take_mksquashfs_args_and_the_images_run()
    {
        string reference = registry.PlainRef("test/app:1");
        CommandResult plain = Run("pull", $"{dir}/gzip.sif", reference);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal(1, Compressor("gzip.sif"));
        Assert.Contains("Squashed by:  hpcrun\nCompression:  -comp gzip -Xcompression-level 3\n",
            Run("inspect", $"{dir}/gzip.sif").Stdout);

        CommandResult xz = Run("pull", "--mksquashfs-args", "-comp xz", $"{dir}/xz.sif", reference);
        Assert.True(xz.ExitCode == 0, xz.ToString());
        Assert.Equal(4, Compressor("xz.sif"));
        Assert.Contains("Squashed by:  mksquashfs\nCompression:  -comp xz\n", Run("inspect", $"{dir}/xz.sif").Stdout);
        Assert.Equal("kept\n", Run($"{dir}/xz.sif", "cat", "/data/kept").Stdout);

        CommandResult build = Run("build", "--mksquashfs-args", "-comp zstd", $"{dir}/zstd.sif", reference);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(6, Compressor("zstd.sif"));
    }

    [Fact]
    public void Refused_arguments_and_arguments_for_the_shared_cache_exit_64_and_write_nothing()
    {
        string reference = registry.PlainRef("test/app:1");
        CommandResult refused = Run("pull", "--mksquashfs-args", "-comp xz -e /data", $"{dir}/x.sif", reference);
        Assert.True(refused.ExitCode == 64, refused.ToString());
        Assert.Equal("hpcrun: --mksquashfs-args: hpcrun does not pass -e on", refused.Stderr.Trim()[..53]);
        CommandResult cache = Run("pull", "--cache", "--mksquashfs-args", "-comp xz", reference);
        Assert.True(cache.ExitCode == 64, cache.ToString());
        Assert.Equal("hpcrun: pull --cache: --mksquashfs-args applies to pull OUT only\n", cache.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }
}
