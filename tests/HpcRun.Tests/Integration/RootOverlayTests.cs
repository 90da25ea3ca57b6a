using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>The container's root is an overlay only when the plan needs one (ContainerPlan.RootOverlay): an
/// image that has every mount target is its own root, read-only; one that lacks a target gets it made in the
/// overlay.</summary>
[Collection(ContainerCollection.Name)]
public class RootOverlayTests(ContainerFixture images)
{
    /// <summary>The root's file system type and mount options, whether the root and the home are writable, and the
    /// working directory.</summary>
    private const string Probe = "awk '$5 == \"/\" { options = $6; sub(/.* - /, \"\"); print $1, options }' " +
        "/proc/self/mountinfo; " +
        "touch /probe 2>/dev/null && echo root-writable; " +
        "touch ~/.root-overlay-probe && rm ~/.root-overlay-probe && echo home-writable; pwd";

    /// <summary>The busybox tree with every target a plain launch mounts: /etc's five files, the test user's
    /// home and /var/tmp.</summary>
    private static string CompleteTree
    {
        get
        {
            string busybox = TestImages.BusyboxTree; // outside the lock Cached takes
            return TestImages.Cached("busybox-complete-2", dir =>
            {
                TestEnvironment.RunChecked("cp", "-a", busybox, dir);
                foreach (string file in new[] { "hosts", "resolv.conf", "localtime", "passwd", "group" })
                    File.WriteAllText($"{dir}/etc/{file}", "");
                Directory.CreateDirectory(dir + Hpcrun.UserHome);
                Directory.CreateDirectory(dir + "/var/tmp");
            });
        }
    }

    private static string CompleteSquashFs
    {
        get
        {
            string tree = CompleteTree;
            return TestImages.Cached("busybox-complete-2.sqfs", path => TestImages.MakeSquashFs(tree, path));
        }
    }

    [Fact]
    public void AnImageWithEveryTargetIsItsOwnReadOnlyRoot()
    {
        foreach (string image in new[] { CompleteTree, CompleteSquashFs })
        {
            CommandResult result = Hpcrun.Run(image, "sh", "-c", Probe);
            Assert.True(result.ExitCode == 0, result.ToString());
            string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // The directory's own file system, or hpcrun's FUSE mount of the SquashFS.
            Assert.Matches(image.EndsWith(".sqfs") ? "^fuse.squashfuse ro(,|$)" : "^(?!overlay )[^ ]+ ro(,|$)",
                lines[0]);
            Assert.Equal(["home-writable", Hpcrun.UserHome], lines[1..]);
        }
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void AMissingTargetIsMadeInTheOverlay()
    {
        // The busybox tree has no home and no /etc files.
        CommandResult result = Hpcrun.Run(images.Tree, "sh", "-c", Probe + "; cat /etc/hosts >/dev/null && echo hosts");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^overlay ro(,|$)", lines[0]);
        Assert.Equal(["home-writable", Hpcrun.UserHome, "hosts"], lines[1..]);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void WritableTmpfsKeepsTheOverlayOnACompleteImage()
    {
        CommandResult result = Hpcrun.Run("--writable-tmpfs", CompleteTree, "sh", "-c", Probe);
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^overlay rw(,|$)", lines[0]);
        Assert.Equal(["root-writable", "home-writable", Hpcrun.UserHome], lines[1..]);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void RanksJoinAContainerWithoutOverlay()
    {
        // Two ranks of one launcher: the second plans from the first's image (not its root) and joins it.
        CommandResult result = Hpcrun.Script(
            "for rank in 0 1; do PMI_RANK=$rank PMI_SIZE=2 \"$H\" \"$0\" sh -c 'echo $PMI_RANK " +
            "$(readlink /proc/self/ns/user) $(grep -c \" / / .* - overlay \" /proc/self/mountinfo); sleep 1' & " +
            "sleep 0.3; done; wait", [CompleteSquashFs]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string[][] ranks = [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()
            .Select(line => line.Split(' '))];
        Assert.Equal(["0", "1"], ranks.Select(r => r[0]));
        Assert.Equal(ranks[0][1], ranks[1][1]); // one user namespace: the second rank joined
        Assert.All(ranks, r => Assert.Equal("0", r[2])); // and neither root is an overlay
        LeakCheck.AssertNothingLeft();
    }
}
