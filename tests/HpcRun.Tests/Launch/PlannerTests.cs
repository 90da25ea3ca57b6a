using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class PlannerTests
{
    [Fact]
    public void HostSystemTreesAreSharedRecursivelyAndTmpIsShared()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context());
        foreach (string tree in new[] { "/proc", "/sys", "/dev" })
            Assert.Contains(MountSpec.SystemBind(tree, tree), plan.Mounts);
        Assert.Contains(MountSpec.SystemBind("/tmp", "/tmp"), plan.Mounts);
        Assert.Contains(MountSpec.SystemBind("/etc/hosts", "/etc/hosts", readOnly: true), plan.Mounts);
        Assert.Contains(MountSpec.SystemBind("/etc/resolv.conf", "/etc/resolv.conf", readOnly: true), plan.Mounts);
        Assert.Contains(MountSpec.SystemBind("/usr/share/zoneinfo/Europe/Berlin", "/etc/localtime", readOnly: true),
            plan.Mounts); // the host's link resolved, as Apptainer binds it
    }

    [Fact]
    public void HomeAndCwdAreBoundAtTheSamePaths()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context(host: PlanFixture.Host(cwd: "/scratch/alice/job")));
        Assert.Contains(MountSpec.Bind("/home/alice", "/home/alice"), plan.Mounts);
        Assert.Contains(MountSpec.Bind("/scratch/alice/job", "/scratch/alice/job"), plan.Mounts);
        Assert.Equal("/scratch/alice/job", plan.WorkingDirectory);
    }

    [Fact]
    public void CwdInsideHomeIsNotBoundTwice()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context());
        Assert.DoesNotContain(plan.Mounts, m => m.Target == "/home/alice/run");
        Assert.Equal("/home/alice/run", plan.WorkingDirectory);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/usr/lib")]
    [InlineData("/etc")]
    [InlineData("/opt")]
    public void SystemDirectoriesAreNotBoundOverTheImage(string cwd)
    {
        var plan = PlanFixture.Plan(PlanFixture.Context(host: PlanFixture.Host(cwd: cwd)));
        Assert.DoesNotContain(plan.Mounts, m => m.Target == cwd);
    }

    /// <summary>A home (the caller's HOME) at a system directory is not bound over the image's own either, as
    /// the current directory there is not (HOME=/usr would give the job the host's /usr); with --fakeroot it is
    /// not brought to /root.</summary>
    [Theory]
    [InlineData("/"), InlineData("/usr"), InlineData("/etc"), InlineData("/usr/local/share"), InlineData("/opt")]
    public void AHomeAtASystemDirectoryIsNotBoundOverTheImage(string home)
    {
        HostFacts host = PlanFixture.Host(cwd: "/scratch/job", env: new() { ["HOME"] = home }) with
        {
            Home = home,
            ResolvedPaths = new Dictionary<string, string?> { [home] = home },
        };
        Assert.DoesNotContain(PlanFixture.Plan(PlanFixture.Context(host: host)).Mounts, m => m.Target == home);
        var fakeRoot = new LaunchRequest { Image = "/images/app.sqfs", FakeRoot = true };
        Assert.DoesNotContain(PlanFixture.Plan(PlanFixture.Context(fakeRoot, host)).Mounts, m => m.Target == "/root");
    }

    [Fact]
    public void AnUnboundCwdMissingFromTheImageFallsBackToTheImageWorkingDirectory()
    {
        var config = new HpcRun.Image.Metadata.ImageConfig { WorkingDir = "/app" };
        var plan = PlanFixture.Plan(PlanFixture.Context(host: PlanFixture.Host(cwd: "/usr/src"), config: config));
        Assert.Equal("/app", plan.WorkingDirectory);
        Assert.Equal("/",
            PlanFixture.Plan(PlanFixture.Context(host: PlanFixture.Host(cwd: "/usr/src"))).WorkingDirectory);
    }

    [Fact]
    public void UserBindsComeAfterTheStandardMountsWithTheirModes()
    {
        var request = new LaunchRequest
        {
            Image = "i",
            Binds = [new BindSpec("/data", "/in", true), new BindSpec("out", "/out", false)],
        };
        var host = PlanFixture.Host(resolved: new()
        {
            ["/data"] = "/gpfs/data",
            ["out"] = "/home/alice/run/out",
            ["/home/alice"] = "/home/alice",
        });
        var plan = PlanFixture.Plan(PlanFixture.Context(request, host));
        Assert.Equal(MountSpec.Bind("/gpfs/data", "/in", readOnly: true), plan.Mounts[^2]);
        Assert.Equal(MountSpec.Bind("/home/alice/run/out", "/out"), plan.Mounts[^1]);
    }

    [Fact]
    public void AMissingBindSourceIsRefusedWithItsOwnCode()
    {
        var request = new LaunchRequest { Image = "i", Binds = [new BindSpec("/nope", "/nope", false)] };
        var host = PlanFixture.Host(resolved: new() { ["/nope"] = null });
        var error = Assert.Throws<HpcRunException>(() => PlanFixture.Plan(PlanFixture.Context(request, host)));
        Assert.Equal(ExitCode.BindSourceNotFound, error.Code);
        Assert.Equal("bind source does not exist: /nope", error.Message);
    }

    [Fact]
    public void AMissingBindSourceFromAnApptainerVariableNamesTheVariable()
    {
        var request = ApptainerVariables.Apply(new LaunchRequest { Image = "i" },
            new Dictionary<string, string> { ["APPTAINER_BIND"] = "/nope" });
        Assert.Equal(new BindSpec("/nope", "/nope", false), Assert.Single(request.Binds)); // the same bind as -B's
        var host = PlanFixture.Host(resolved: new() { ["/nope"] = null });
        var error = Assert.Throws<HpcRunException>(() => PlanFixture.Plan(PlanFixture.Context(request, host)));
        Assert.Equal("bind source does not exist: /nope (from APPTAINER_BIND)", error.Message);
    }

    [Fact]
    public void FakeRootMapsTheUserToRoot()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context(new LaunchRequest { Image = "i", FakeRoot = true }));
        Assert.Equal(new IdMap(0, 0, 1001, 100), plan.Ids);
        Assert.Equal(new IdMap(1001, 100, 1001, 100), PlanFixture.Plan(PlanFixture.Context()).Ids);
    }

    [Fact]
    public void WritableTmpfsMakesTheRootWritable()
    {
        Assert.True(PlanFixture.Plan(
            PlanFixture.Context(new LaunchRequest { Image = "i", WritableTmpfs = true })).WritableRoot);
        Assert.False(PlanFixture.Plan(PlanFixture.Context()).WritableRoot);
    }

    [Fact]
    public void TheRootIsAnOverlayOnlyWhenAMountTargetIsMissingOrTheRootIsWritable()
    {
        var complete = new Dictionary<string, string?> { ["/bin/sh"] = "" };
        foreach (MountSpec mount in PlanFixture.Plan(PlanFixture.Context()).Mounts) complete[mount.Target] = null;
        Assert.False(PlanFixture.Plan(PlanFixture.Context(files: complete)).RootOverlay);

        Assert.True(PlanFixture.Plan(PlanFixture.Context()).RootOverlay); // the image has only /bin/sh
        var noHome = new Dictionary<string, string?>(complete);
        noHome.Remove("/home/alice");
        Assert.True(PlanFixture.Plan(PlanFixture.Context(files: noHome)).RootOverlay);
        Assert.True(PlanFixture.Plan(PlanFixture.Context(new LaunchRequest { Image = "i", WritableTmpfs = true },
            files: complete)).RootOverlay);
    }

    /// <summary>An image whose symlink stands where hpcrun puts its own file or the host's system path gets the link
    /// replaced in the overlay (ContainerRoot.PrepareTarget), so the overlay is needed; a user's bind target that is
    /// a link is followed inside the image, as Apptainer follows it, and needs none.</summary>
    [Fact]
    public void A_symlink_at_a_path_hpcrun_fills_needs_the_overlay()
    {
        var request = new LaunchRequest { Image = "i", Binds = [BindSpec.Parse("/data:/scratch")] };
        var host = PlanFixture.Host(resolved: new()
        {
            ["/data"] = "/data",
            ["/etc/hosts"] = "/etc/hosts",
            ["/etc/localtime"] = "/usr/share/zoneinfo/UTC",
        });
        var complete = new Dictionary<string, string?> { ["/bin/sh"] = "" };
        foreach (MountSpec mount in PlanFixture.Plan(PlanFixture.Context(request, host)).Mounts)
            complete[mount.Target] = null;
        ContainerPlan Plan(string link, string to)
        {
            var tree = new ImageTree(complete.ContainsKey, _ => null,
                canonical: p => p == link ? to : p);
            return Planner.Decide(PlanFixture.Context(request, host) with { Tree = tree });
        }

        Assert.False(Plan("/nothing", "/nothing").RootOverlay);
        Assert.True(Plan("/etc/group", "/dev/null").RootOverlay);
        Assert.True(Plan("/tmp", "/etc").RootOverlay);
        Assert.True(Plan("/etc/localtime", "/usr/share/zoneinfo/UTC").RootOverlay);
        Assert.False(Plan("/scratch", "/gpfs/scratch").RootOverlay);
    }

    /// <summary>A target below a tmpfs of the plan (a bind at /tmp/a/b under --contain, a device in its minimal
    /// /dev) is made in that tmpfs, not in the image, which it hides: no overlay for it. Below a host directory
    /// bound after the tmpfs (-B at /tmp/h), it is the image's again.</summary>
    [Fact]
    public void TargetsMadeInAPlannedTmpfsNeedNoOverlay()
    {
        var contain = new LaunchRequest { Image = "i", Contain = true };
        var host = PlanFixture.Host(resolved: new() { ["/data"] = "/data", ["/etc/hostname"] = "/etc/hostname" });
        var complete = new Dictionary<string, string?> { ["/bin/sh"] = "" };
        foreach (MountSpec mount in PlanFixture.Plan(PlanFixture.Context(contain, host)).Mounts)
            complete[mount.Target] = null;
        ContainerPlan Plan(params string[] binds) => PlanFixture.Plan(PlanFixture.Context(
            contain with { Binds = [.. binds.Select(BindSpec.Parse)] }, host, files: complete));

        ContainerPlan nested = Plan("/data:/tmp/a/b", "/data:/var/tmp/x/y", "/etc/hostname:/dev/x/y");
        Assert.False(nested.RootOverlay);
        Assert.DoesNotContain(ContainerPlan.TargetsInTheImage(nested.Mounts),
            m => m.Target is "/tmp/a/b" or "/var/tmp/x/y" or "/dev/x/y" or "/dev/null");

        ContainerPlan inHostDirectory = Plan("/data:/tmp/h", "/data:/tmp/h/new");
        Assert.True(inHostDirectory.RootOverlay);
        Assert.Equal(["/tmp/h/new"], ContainerPlan.TargetsInTheImage(inHostDirectory.Mounts)
            .Select(m => m.Target).Where(t => t.StartsWith("/tmp/", StringComparison.Ordinal)));
    }

    [Fact]
    public void SymlinksMadeInAPlannedTmpfsNeedNoOverlay()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context(new LaunchRequest { Image = "i", Contain = true }));
        var complete = new Dictionary<string, string?> { ["/bin/sh"] = "" };
        foreach (MountSpec mount in plan.Mounts.Where(m => m.Kind != MountKind.Symlink)) complete[mount.Target] = null;
        Assert.Contains(plan.Mounts, m => m.Kind == MountKind.Symlink);
        Assert.False(PlanFixture.Plan(PlanFixture.Context(new LaunchRequest { Image = "i", Contain = true },
            files: complete)).RootOverlay);
    }
}
