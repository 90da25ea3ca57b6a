using System.Net.Sockets;
using HpcRun.Build;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>A directory source written into SquashFS by hpcrun's writer, and by mksquashfs (forced by an argument
/// that changes no content): the same file system (<see cref="SameFileSystem"/>), in a SIF or a bare SquashFS, with
/// SOURCE_DATE_EPOCH or without, a recipe's overlay and left-out file included; a tree with an extended attribute
/// goes to mksquashfs, which keeps it.</summary>
public sealed class DirectoryBuildEquivalenceTests : IDisposable
{
    private const long Epoch = 1650000000;
    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;

    public void Dispose() => building.Dispose();

    private static void Sh(string script, params string[] args) =>
        TestEnvironment.RunChecked("sh", ["-c", script, "sh", .. args]);

    /// <summary>Hard links (to a file, to a symlink), symlinks (relative, absolute, dangling), setuid, setgid and
    /// sticky bits (the root's too), empty, large and duplicate files, a name that is not UTF-8, times before and
    /// after <see cref="Epoch"/>, a FIFO and a socket, a path longer than PATH_MAX (left out: --skip-unreadable) and
    /// a recipe's build-time file (<see cref="BuildRequest.LeaveOut"/>).</summary>
    private string Tree()
    {
        string tree = sandbox.File("tree");
        string deep = string.Join('/', Enumerable.Range(0, 25).Select(i => $"{i}".PadRight(200, 'd')));
        Sh("""
            mkdir -p "$1/etc" "$1/usr/bin" "$1/d/sub" "$1/$2" && cd "$1" && echo root > etc/passwd
            head -c 300000 /dev/urandom > usr/bin/big && cp usr/bin/big usr/bin/copy && ln usr/bin/big d/big-link
            ln -s ../etc/passwd rel && ln -s /etc/passwd abs && ln -s nowhere dangling && ln dangling d/linked-symlink
            : > empty && echo s > suid && chmod 4755 suid && echo g > sgid && chmod 2711 sgid
            mkdir sgid-dir sticky && chmod 2775 sgid-dir && chmod 1777 sticky
            printf 'caf\351' > "$(printf 'caf\351')"
            echo labels > .build.labels && mkfifo fifo && echo x > "$2/../file" && chmod 600 etc/passwd
            touch -d @4000000000 future && touch -h -d @1000 abs && touch -d @1300000000 etc usr/bin d/sub
            chmod g+s . && touch -d @1200000000 .
            """, tree, deep);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(tree, "socket")));
        return tree;
    }

    /// <summary>A recipe's overlay: a file over one of the tree's, and one in directories the tree lacks.</summary>
    private string Overlay()
    {
        string overlay = sandbox.File("overlay");
        Sh("mkdir -p \"$1/etc\" \"$1/new/dir\" && echo over > \"$1/etc/passwd\" && echo new > \"$1/new/dir/file\""
            + " && chmod 755 \"$1/new/dir/file\"", overlay);
        return overlay;
    }

    private string Build(string tree, string name, bool sqfs, long? epoch, string[]? args, string? overlay) =>
        building.Build(tree, name, r => r with
        {
            SquashFsOnly = sqfs,
            SourceDateEpoch = epoch,
            MksquashfsArgs = args,
            SkipUnreadable = true,
            Overlay = overlay,
            LeaveOut = [".build.labels"],
        });

    [Theory]
    [InlineData(false, false, false), InlineData(true, false, false), InlineData(false, true, false)]
    [InlineData(true, true, true), InlineData(false, false, true)]
    public void The_writer_and_mksquashfs_give_the_same_file_system(bool sqfs, bool epoch, bool overlay)
    {
        string tree = Tree(), extension = sqfs ? "sqfs" : "sif";
        string? over = overlay ? Overlay() : null;
        long? time = epoch ? Epoch : null;
        string written = Build(tree, $"written.{extension}", sqfs, time, null, over);
        Assert.DoesNotContain("making the SquashFS file system", building.Reporter.Steps);
        List<string> warnings = [.. building.Reporter.Warnings];
        Assert.Equal(2, warnings.Count); // the FIFO and the socket; the deep path
        string squashed = Build(tree, $"squashed.{extension}", sqfs, time, SameFileSystem.MksquashfsPath, over);
        Assert.Contains("making the SquashFS file system", building.Reporter.Steps);
        SameFileSystem.Assert(written, squashed, sqfs);
        Assert.Equal(warnings, building.Reporter.Warnings[warnings.Count..]);
        var entries = Building.Entries(written, sqfs ? 0 : Sif.SifWriter.PartitionOffset);
        Assert.DoesNotContain(".build.labels", entries.Keys);
        Assert.Contains("d/big-link", entries.Keys);
    }

    [Fact]
    public void Two_builds_of_the_same_tree_are_byte_identical()
    {
        string tree = Tree();
        Assert.Equal(File.ReadAllBytes(Build(tree, "a.sif", false, null, null, null)),
            File.ReadAllBytes(Build(tree, "b.sif", false, null, null, null)));
    }

    [Fact]
    public void A_tree_with_an_extended_attribute_is_made_by_mksquashfs_which_keeps_it()
    {
        string tree = sandbox.File("xattr-tree");
        Sh("mkdir -p \"$1/etc\" && echo x > \"$1/etc/tagged\"", tree);
        Xattr.Set(Path.Combine(tree, "etc/tagged"));
        string image = building.Build(tree, "x.sqfs", r => r with { SquashFsOnly = true });
        Assert.Contains("reading the source into the SquashFS file system", building.Reporter.Steps);
        Assert.Contains("making the SquashFS file system", building.Reporter.Steps);
        string stats = TestEnvironment.RunChecked("unsquashfs", "-s", image);
        Assert.Contains("Number of xattr ids 1", stats);
        Assert.Contains("etc/tagged", Building.Entries(image, 0).Keys);
    }
}
