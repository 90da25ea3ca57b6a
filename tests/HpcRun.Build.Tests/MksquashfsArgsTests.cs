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
