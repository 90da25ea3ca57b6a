using HpcRun.Build.Recipe;
using HpcRun.Image;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>What a recipe build makes of unsquashfs's report on a base image: device nodes an unprivileged user
/// cannot make are left out; anything else that left files out stops the build (a damaged image went on with
/// /bin/busybox missing).</summary>
public sealed class UnsquashfsErrorsTests
{
    private const string Tree = "/cache/.tmp-build-1/tree";

    /// <summary>A tree whole but for device nodes is taken, each device node counted for the warning a layer's get
    /// (they were left out unsaid).</summary>
    [Theory]
    [InlineData(0, "", "")]
    [InlineData(2, "create_inode: could not create character device /cache/.tmp-build-1/tree/dev/null, because " +
        "you're not superuser!\ncreate_inode: could not create block device /cache/.tmp-build-1/tree/dev/sda, " +
        "because you're not superuser!\n", "base.sqfs: skipped 2 device nodes or FIFOs (an image keeps none): " +
        "dev/null, dev/sda")]
    [InlineData(2, "create_inode: could not create character device /cache/.tmp-build-1/tree/dev/null, because " +
        "you're not superuser!\n", "base.sqfs: skipped character device dev/null (an image keeps no device nodes or " +
        "FIFOs)")]
    public void A_whole_tree_but_for_device_nodes_is_taken_and_they_are_counted(int status, string errors,
        string warning)
    {
        var skipped = new SkippedEntries("base.sqfs");
        UnsquashfsErrors.Check(status, errors, "base.sqfs", Tree, skipped);
        var said = new StringWriter();
        skipped.Report(new PlainReporter(said));
        Assert.Equal(warning.Length == 0 ? "" : $"hpcrun: warning: {warning}\n", said.ToString());
    }

    [Theory]
    [InlineData(1, "gzip uncompress failed with error code -3\nFATAL ERROR: writer: failed to read/uncompress " +
        "file /cache/.tmp-build-1/tree/bin/busybox\n", "writer: failed to read/uncompress file /bin/busybox")]
    [InlineData(2, "gzip uncompress failed with error code -3\nwriter: failed to read/uncompress file " +
        "/cache/.tmp-build-1/tree/bin/busybox\n", "writer: failed to read/uncompress file /bin/busybox")]
    [InlineData(1, "read_block: failed to read block @0x1234\nFATAL ERROR: failed to read fragment table\n",
        "read_block: failed to read block @0x1234")]
    [InlineData(1, "Parallel unsquashfs: corrupted directory table\n", "corrupted directory table")]
    public void A_block_that_cannot_be_read_is_a_damaged_image_named(int status, string errors, string said)
    {
        var e = Assert.Throws<ImageFormatException>(() => UnsquashfsErrors.Check(status, errors, "base.sqfs", Tree,
            new("base.sqfs")));
        Assert.StartsWith("base.sqfs: damaged SquashFS: ", e.Message);
        Assert.Contains(said, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    /// <summary>A full disk (unsquashfs runs in the C locale, so its strerror words can be read) is the build's
    /// full disk, whichever file it was writing: 108, as for every build and pull.</summary>
    [Fact]
    public void A_full_disk_is_the_builds_full_disk()
    {
        var e = Assert.Throws<ImageBuildException>(() => UnsquashfsErrors.Check(1, "FATAL ERROR: writer: failed to " +
            "write file /cache/.tmp-build-1/tree/usr/lib/x.so, because No space left on device\n", "base.sqfs", Tree,
            new("base.sqfs")));
        Assert.Equal(("cannot unpack base.sqfs: no space left on device", BuildFailure.DiskFull),
            (e.Message, e.Failure));
    }

    [Theory]
    [InlineData(1, "", "unsquashfs exited with status 1")]
    [InlineData(2, "create_inode: could not create character device /cache/.tmp-build-1/tree/dev/null, because " +
        "you're not superuser!\nwrite_xattr: could not write xattr user.x for file /cache/.tmp-build-1/tree/a\n",
        "write_xattr: could not write xattr user.x for file /a")]
    public void Any_other_error_fails_the_step_with_unsquashfs_line(int status, string errors, string said)
    {
        var e = Assert.Throws<ImageBuildException>(() => UnsquashfsErrors.Check(status, errors, "base.sqfs", Tree,
            new("base.sqfs")));
        Assert.Equal($"cannot unpack base.sqfs: {said}", e.Message);
    }
}
