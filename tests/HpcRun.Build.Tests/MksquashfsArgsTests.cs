using HpcRun.Image.Formats;

namespace HpcRun.Build.Tests;

/// <summary>What --mksquashfs-args lets through and the compression arguments a build then gives mksquashfs.
/// </summary>
public sealed class MksquashfsArgsTests
{
    [Theory]
    [InlineData("", "-comp gzip -Xcompression-level 3")]
    [InlineData("  -Xcompression-level 9 ", "-comp gzip -Xcompression-level 9")]
    [InlineData("-comp gzip -Xwindow-size 10", "-comp gzip -Xcompression-level 3 -Xwindow-size 10")]
    [InlineData("-comp xz -Xbcj x86", "-comp xz -Xbcj x86")]
    [InlineData("-b 1M\t-comp zstd -no-xattrs -processors 1", "-comp zstd -b 1M -no-xattrs -processors 1")]
    [InlineData("-comp xz -comp lz4 -Xhc", "-comp lz4 -Xhc")]
    public void The_compression_arguments_are_gzip_level_3_unless_the_user_says_otherwise(string given,
        string made) =>
        Assert.Equal(made, string.Join(' ', SquashFsMaker.Compression(MksquashfsArgs.Parse(given))));

    /// <summary>A layered source is written by hpcrun's own writer only when mksquashfs would be asked for nothing
    /// but gzip and its level; any other argument, harmless or not, is mksquashfs's to honour.</summary>
    [Theory]
    [InlineData("", 3), InlineData("-comp gzip", 3), InlineData("-Xcompression-level 9", 9)]
    [InlineData("-Xcompression-level 1 -comp gzip", 1), InlineData("-comp xz", null)]
    [InlineData("-processors 2", null), InlineData("-comp gzip -Xwindow-size 10", null), InlineData("-b 1M", null)]
    [InlineData("-Xcompression-level 0", null), InlineData("-no-exports", null)]
    public void Only_gzip_and_its_level_leave_a_layered_image_to_hpcruns_writer(string given, int? level) =>
        Assert.Equal(level, WrittenSquashFs.GzipLevel(MksquashfsArgs.Parse(given)));

    [Theory]
    [InlineData("-e /etc", "does not pass -e on")]
    [InlineData("-noappend", "does not pass -noappend on")]
    [InlineData("-offset 4096", "does not pass -offset on")]
    [InlineData("-pf defs", "does not pass -pf on")]
    [InlineData("-all-root", "does not pass -all-root on")]
    [InlineData("-force-uid 5", "does not pass -force-uid on")]
    [InlineData("-info", "does not pass -info on")]
    [InlineData("-mkfs-time 0", "does not pass -mkfs-time on")]
    [InlineData("-action chmod(u+s)@true", "does not pass -action on")]
    [InlineData("out.sqfs", "does not pass out.sqfs on")]
    [InlineData("-comp lzma", "-comp lzma: hpcrun cannot serve images compressed with it")]
    [InlineData("-comp xz -Xcompression-level 9", "-Xcompression-level is not an option of xz")]
    [InlineData("-Xbcj x86", "-Xbcj is not an option of gzip")]
    [InlineData("-comp xz -b", "-b needs a value")]
    public void Arguments_that_would_break_what_hpcrun_guarantees_are_refused(string given, string why) =>
        Assert.Contains(why, Assert.Throws<FormatException>(() => MksquashfsArgs.Parse(given)).Message);
}
