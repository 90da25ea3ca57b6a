using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Tests.Launch;

/// <summary>Under --fakeroot the job is root, and root's home is /root: the user's home is bound there and HOME is
/// /root, as Apptainer's getHomePaths and setHome decide for a root-mapped namespace (an explicit -H SRC:DST keeps its
/// DST); the current directory is bound at its own path, also inside the home (its createCwdDir and addCwdMount).
/// README, "Apptainer → hpcrun".</summary>
public class FakeRootHomeTests
{
    private static readonly Dictionary<string, string?> Resolved = new()
    {
        ["/home/alice"] = "/home/alice",
        ["/scratch/alice"] = "/scratch/alice",
        ["/etc/hosts"] = "/etc/hosts",
    };

    private static LaunchRequest FakeRoot => new() { Image = "/images/app.sqfs", FakeRoot = true };

    private static ContainerPlan Plan(LaunchRequest request, string cwd = "/home/alice/run",
        Dictionary<string, string>? env = null, Dictionary<string, string?>? files = null) =>
        PlanFixture.Plan(PlanFixture.Context(request, PlanFixture.Host(env, cwd, Resolved),
            files: files ?? new() { ["/bin/sh"] = "", ["/root"] = null }));

    private static MountSpec? At(ContainerPlan plan, string target) =>
        plan.Mounts.LastOrDefault(m => m.Target == target);

    [Fact]
    public void TheHomeIsBoundAtRootAndHomeIsRoot()
    {
        ContainerPlan plan = Plan(FakeRoot);
        Assert.Equal(MountSpec.Bind("/home/alice", "/root"), At(plan, "/root"));
        Assert.Null(At(plan, "/home/alice")); // not at its host path as well
        Assert.Equal("/root", plan.Env()["HOME"]);
        // The current directory, inside the home, is bound at its own path and the job starts there.
        Assert.Equal(MountSpec.Bind("/home/alice/run", "/home/alice/run"), At(plan, "/home/alice/run"));
        Assert.Equal("/home/alice/run", plan.WorkingDirectory);
        Assert.Equal("/home/alice/run", plan.Env()["PWD"]);

        ContainerPlan user = Plan(FakeRoot with { FakeRoot = false }); // the user's own: the home where it is
        Assert.Equal(MountSpec.Bind("/home/alice", "/home/alice"), At(user, "/home/alice"));
        Assert.Null(At(user, "/root"));
        Assert.Null(At(user, "/home/alice/run"));
        Assert.Equal("/home/alice", user.Env()["HOME"]);
    }

    [Fact]
    public void StartedInTheHomeItselfTheJobStartsAtItsHostPath()
    {
        ContainerPlan plan = Plan(FakeRoot, cwd: "/home/alice");
        Assert.Equal(MountSpec.Bind("/home/alice", "/root"), At(plan, "/root"));
        Assert.Equal(MountSpec.Bind("/home/alice", "/home/alice"), At(plan, "/home/alice"));
        Assert.Equal("/home/alice", plan.WorkingDirectory);
        Assert.Equal("/root", plan.Env()["HOME"]);
    }

    [Fact]
    public void ContainGivesAnEmptyRootHomeAndStartsThere()
    {
        ContainerPlan plan = Plan(FakeRoot with { Contain = true });
        Assert.Equal(MountSpec.Tmpfs("/root"), At(plan, "/root"));
        Assert.DoesNotContain(plan.Mounts, m => m.Target.StartsWith("/home/", StringComparison.Ordinal));
        Assert.Equal("/root", plan.WorkingDirectory);
        Assert.Equal("/root", plan.Env()["HOME"]);
    }

    /// <summary>--no-home (--no-mount home): Apptainer still sets HOME to the home's destination.</summary>
    [Fact]
    public void WithoutAHomeMountHomeIsStillRootAndTheCurrentDirectoryIsBound()
    {
        ContainerPlan plan = Plan(FakeRoot with { NoMount = NoMount.None with { Home = true } });
        Assert.Null(At(plan, "/root")); // the image's own /root
        Assert.Null(At(plan, "/home/alice"));
        Assert.Equal("/root", plan.Env()["HOME"]);
        Assert.Equal(MountSpec.Bind("/home/alice/run", "/home/alice/run"), At(plan, "/home/alice/run"));
        Assert.Equal("/home/alice/run", plan.WorkingDirectory);
    }

    [Fact]
    public void WithoutTheCurrentDirectoryTheJobStartsInRootsHome()
    {
        ContainerPlan plan = Plan(FakeRoot with { NoMount = NoMount.None.With("--no-mount", "cwd") });
        Assert.Null(At(plan, "/home/alice/run"));
        Assert.Equal("/root", plan.WorkingDirectory);
    }

    [Theory]
    [InlineData("/scratch/alice:/work", "/work")]
    [InlineData("/scratch/alice", "/scratch/alice")]
    public void AnExplicitHomeKeepsItsDestination(string spec, string home)
    {
        ContainerPlan plan = Plan(FakeRoot with { Home = HomeSpec.Parse("-H", spec) });
        Assert.Equal(MountSpec.Bind("/scratch/alice", home), At(plan, home));
        Assert.Null(At(plan, "/root"));
        Assert.Equal(home, plan.Env()["HOME"]);
        Assert.Contains($"root:x:0:0:root:{home}:/bin/sh\n", At(plan, "/etc/passwd")!.Content);
        ContainerPlan contained = Plan(FakeRoot with { Home = HomeSpec.Parse("-H", spec), Contain = true });
        Assert.Equal(MountSpec.Bind("/scratch/alice", home), At(contained, home));
        Assert.Equal(home, contained.WorkingDirectory);
    }

    [Fact]
    public void HomeIsRootWhateverTheCallerPassesAndUserStaysTheirs()
    {
        var caller = new Dictionary<string, string>
        {
            ["HOME"] = "/home/alice",
            ["USER"] = "alice",
            ["LOGNAME"] = "alice",
        };
        Assert.Equal("/root", Plan(FakeRoot with { CleanEnv = true }, env: caller).Env()["HOME"]);
        Dictionary<string, string> bare = Plan(FakeRoot, env: []).Env(); // env -i, srun --export=NONE
        Assert.Equal("/root", bare["HOME"]);
        // Apptainer leaves USER and LOGNAME as the caller's: root inside, still named as the user.
        Assert.Equal(("alice", "alice"), (bare["USER"], bare["LOGNAME"]));
        Dictionary<string, string> env = Plan(FakeRoot, env: caller).Env();
        Assert.Equal(("alice", "alice"), (env["USER"], env["LOGNAME"]));
    }

    [Fact]
    public void TheImagesEnvironmentScriptsSeeHomeAsRoot()
    {
        ContainerPlan plan = Plan(FakeRoot, files: new()
        {
            ["/bin/sh"] = "",
            ["/root"] = null,
            ["/.singularity.d/env"] = null,
            ["/.singularity.d/env/90-environment.sh"] = "export A=1\n",
        });
        Assert.Equal("/bin/sh", plan.Argv[0]); // the image's shell runs the scripts, then the job
        Assert.Equal("/root", plan.Env()["HOME"]);
    }

    [Fact]
    public void TheRootEntryOfPasswdHasTheHome()
    {
        ContainerPlan plan = Plan(FakeRoot, files: new()
        {
            ["/bin/sh"] = "",
            ["/etc/passwd"] = "root:x:0:0:Super:/var/root:/bin/bash\nbin:x:1:1::/bin:/bin/false\n",
        });
        Assert.Equal(MountSpec.File("/etc/passwd", "root:x:0:0:Super:/root:/bin/bash\nbin:x:1:1::/bin:/bin/false\n"),
            At(plan, "/etc/passwd"));
    }

    [Fact]
    public void NobodysHomeIsNotBoundAtRoot()
    {
        var host = PlanFixture.Host(resolved: new() { ["/"] = "/" }) with { Home = "/" };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(FakeRoot, host));
        Assert.Null(At(plan, "/root"));
        Assert.Equal("/root", plan.Env()["HOME"]);
    }

    /// <summary>Ranks of one job under --fakeroot decide the same home at /root: they agree on their record and
    /// share a container; a rank without --fakeroot differs from them by its ids first.</summary>
    [Fact]
    public void RanksOfOneJobAgreeOnTheHomeAtRoot()
    {
        var rank0 = new Dictionary<string, string> { ["HOME"] = "/home/alice", ["SLURM_PROCID"] = "0" };
        var rank1 = new Dictionary<string, string>(rank0) { ["SLURM_PROCID"] = "1" };
        var image = new RecordedImage("0:42:7+0", "/images/app.sqfs");
        ContainerRecord first = NodeSharing.Record(Plan(FakeRoot, env: rank0), image);
        Assert.Null(NodeSharing.FirstDifference(NodeSharing.Record(Plan(FakeRoot, env: rank1), image), first));
        Assert.Contains(new RecordedMount(MountKind.Bind, "/root", "/home/alice", false, null), first.Mounts);
        Assert.StartsWith("ids ", NodeSharing.FirstDifference(
            NodeSharing.Record(Plan(FakeRoot with { FakeRoot = false }, env: rank1), image), first));
    }

    [Fact]
    public void HomePartSaysWhereTheHomeIsAndWhatHomeIs()
    {
        HostFacts host = PlanFixture.Host();
        Assert.Equal("/root", HomePart.HomeInside(FakeRoot, host));
        Assert.Equal("/root", HomePart.HomeVariable(FakeRoot, host));
        Assert.Equal("/home/alice", HomePart.HomeInside(FakeRoot with { FakeRoot = false }, host));
        Assert.Null(HomePart.HomeVariable(FakeRoot with { FakeRoot = false }, host)); // the caller's stands
        Assert.Equal("/w", HomePart.HomeVariable(FakeRoot with { Home = new HomeSpec("/s", "/w") }, host));
    }
}
