using HpcRun.Image.Metadata;
using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

/// <summary>What Apptainer's flags change in the container (README, "Apptainer → hpcrun").</summary>
public class ApptainerPlanTests
{
    private static readonly Dictionary<string, string?> Resolved = new()
    {
        ["/home/alice"] = "/home/alice",
        ["/var/tmp"] = "/var/tmp",
        ["/scratch/alice"] = "/scratch/alice",
        ["/etc/hosts"] = "/etc/hosts",
    };

    private static ContainerPlan Plan(LaunchRequest request, ImageConfig? config = null, params string[] files) =>
        PlanFixture.Plan(PlanFixture.Context(request, PlanFixture.Host(resolved: Resolved), config,
            files.Append("/bin/sh").ToDictionary(f => f, string? (_) => "")));

    private static LaunchRequest Request => new() { Image = "/images/app.sqfs" };

    private static MountSpec? At(ContainerPlan plan, string target) =>
        plan.Mounts.LastOrDefault(m => m.Target == target);

    [Fact]
    public void RunArgumentsFollowTheRunscript() =>
        Assert.Equal(["/.singularity.d/runscript", "a b", "-v"],
            Plan(Request with { RunArguments = ["a b", "-v"] }, null, "/.singularity.d/runscript").Argv);

    [Fact]
    public void RunArgumentsReplaceTheConfigsCmdAfterItsEntrypoint()
    {
        var both = new ImageConfig { Entrypoint = ["/entry"], Cmd = ["--default"] };
        Assert.Equal(["/entry", "x"], Plan(Request with { RunArguments = ["x"] }, both).Argv);
        Assert.Equal(["/entry", "--default"], Plan(Request, both).Argv);
        var cmdOnly = new ImageConfig { Cmd = ["/bin/app"] };
        Assert.Equal(["ls", "-l"], Plan(Request with { RunArguments = ["ls", "-l"] }, cmdOnly).Argv);
        Assert.Equal(["/bin/sh", "-c", "true"], Plan(Request with { RunArguments = ["-c", "true"] }).Argv);
    }

    [Fact]
    public void VarTmpIsTheHostsLikeTmp()
    {
        ContainerPlan plan = Plan(Request);
        Assert.Equal(MountSpec.SystemBind("/tmp", "/tmp"), At(plan, "/tmp"));
        Assert.Equal(MountSpec.SystemBind("/var/tmp", "/var/tmp"), At(plan, "/var/tmp"));
    }

    [Fact]
    public void ContainGivesPrivateTmpAndAnEmptyHomeAndStartsThere()
    {
        ContainerPlan plan = Plan(Request with { Contain = true });
        Assert.Equal(MountSpec.SystemTmpfs("/tmp"), At(plan, "/tmp"));
        Assert.Equal(MountSpec.SystemTmpfs("/var/tmp"), At(plan, "/var/tmp"));
        Assert.Equal(MountSpec.Tmpfs("/home/alice"), At(plan, "/home/alice"));
        Assert.Null(At(plan, "/home/alice/run")); // the current directory is not bound
        Assert.Equal("/home/alice", plan.WorkingDirectory);
        Assert.Equal(MountSpec.SystemBind("/tmp", "/tmp"), At(Plan(Request), "/tmp"));
    }

    /// <summary>Apptainer's minimal /dev under --contain, with what terminals and MPI ranks use of the
    /// host's.</summary>
    [Fact]
    public void ContainGivesAMinimalDev()
    {
        Assert.Equal(MountSpec.SystemBind("/dev", "/dev"), At(Plan(Request), "/dev"));
        ContainerPlan plan = Plan(Request with { Contain = true });
        Assert.Equal(MountSpec.SystemTmpfs("/dev"), At(plan, "/dev"));
        string[] devices = [.. plan.Mounts.Where(m => m.Kind == MountKind.Bind && m.Target.StartsWith("/dev/"))
            .Select(m => m.Target)];
        Assert.Equal(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
            "/dev/pts", "/dev/shm"], devices);
        Assert.Equal(new MountSpec(MountKind.Bind, "/dev/pts", "/dev/pts"), At(plan, "/dev/pts"));
        Assert.Equal(MountSpec.Symlink("/dev/fd", "/proc/self/fd"), At(plan, "/dev/fd"));
        Assert.Equal(MountSpec.Symlink("/dev/stderr", "fd/2"), At(plan, "/dev/stderr"));
        int tmpfs = plan.Mounts.ToList().IndexOf(MountSpec.SystemTmpfs("/dev"));
        Assert.All(plan.Mounts.Where(m => m.Target.StartsWith("/dev/")),
            m => Assert.True(plan.Mounts.ToList().IndexOf(m) > tmpfs, $"{m.Target} before the /dev tmpfs"));
    }

    [Fact]
    public void HomeOptionBindsTheGivenDirectoryAndSetsHome()
    {
        ContainerPlan plan = Plan(Request with { Home = new HomeSpec("/scratch/alice", "/home/me"), Contain = true });
        Assert.Equal(MountSpec.Bind("/scratch/alice", "/home/me"), At(plan, "/home/me"));
        Assert.Null(At(plan, "/home/alice"));
        Assert.Equal("/home/me", plan.Env()["HOME"]);
        Assert.Equal("/home/me", plan.WorkingDirectory);
        ContainerPlan atSource = Plan(Request with { Home = HomeSpec.Parse("-H", "/scratch/alice") });
        Assert.Equal(MountSpec.Bind("/scratch/alice", "/scratch/alice"), At(atSource, "/scratch/alice"));
        Assert.Equal("/scratch/alice", atSource.Env()["HOME"]);
        Assert.Null(At(atSource, "/home/alice"));
    }

    [Theory]
    [InlineData("myhome", "/home/alice/run/myhome", "/home/alice/run/myhome")]
    [InlineData("./myhome/", "/home/alice/run/myhome", "/home/alice/run/myhome")]
    [InlineData("../h", "/home/alice/h", "/home/alice/h")]
    [InlineData("myhome:/home/me", "/home/alice/run/myhome", "/home/me")]
    public void ARelativeHomeIsTakenAgainstTheCurrentDirectoryAsABindSourceIs(string spec, string source,
        string home)
    {
        var resolved = new Dictionary<string, string?>(Resolved) { [spec.Split(':')[0]] = source };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(Request with { Home = HomeSpec.Parse("-H", spec) },
            PlanFixture.Host(resolved: resolved)));
        Assert.Equal(MountSpec.Bind(source, home), At(plan, home));
        Assert.Equal(home, plan.Env()["HOME"]);
        Assert.Null(At(plan, "/home/alice"));
    }

    [Fact]
    public void ARelativeHomeWhenTheCurrentDirectoryIsGoneIsABindSourceError()
    {
        var resolved = new Dictionary<string, string?>(Resolved) { ["myhome"] = null };
        var error = Assert.Throws<HpcRunException>(() => PlanFixture.Plan(PlanFixture.Context(
            Request with { Home = HomeSpec.Parse("-H", "myhome") }, PlanFixture.Host(resolved: resolved) with
            {
                Cwd = null,
            })));
        Assert.Equal(ExitCode.BindSourceNotFound, error.Code);
        Assert.Equal("home directory does not exist: myhome (the current directory was deleted)", error.Message);
    }

    [Fact]
    public void AHomeThatIsAFileIsRefused()
    {
        var error = Assert.Throws<HpcRunException>(() => PlanFixture.Plan(PlanFixture.Context(
            Request with { Home = new HomeSpec("/scratch/alice", null) },
            PlanFixture.Host(resolved: Resolved) with { HomeSourceIsDirectory = false })));
        Assert.Equal(ExitCode.BindTargetUnusable, error.Code);
        Assert.Equal("home is not a directory: /scratch/alice", error.Message);
    }

    [Fact]
    public void AMissingHomeSourceIsABindSourceError() =>
        Assert.Equal(ExitCode.BindSourceNotFound, Assert.Throws<HpcRunException>(() =>
            Plan(Request with { Home = new HomeSpec("/nowhere", null) })).Code);

    /// <summary>Under --contain, a home source the host lacks is where the empty home goes (`--contain -H
    /// /tmp/x/home`), as Apptainer's session directory stands in for a home it does not find; a file is still no
    /// home.</summary>
    [Fact]
    public void UnderContainAMissingHomeSourceIsTheEmptyHomesPlace()
    {
        var resolved = new Dictionary<string, string?>(Resolved) { ["/tmp/x/home"] = null, ["/nowhere"] = null };
        ContainerPlan Contained(HomeSpec home) => PlanFixture.Plan(PlanFixture.Context(
            Request with { Home = home, Contain = true }, PlanFixture.Host(resolved: resolved)));
        ContainerPlan plan = Contained(new HomeSpec("/tmp/x/home", null));
        Assert.Equal(MountSpec.Tmpfs("/tmp/x/home"), At(plan, "/tmp/x/home"));
        Assert.Equal(("/tmp/x/home", "/tmp/x/home"), (plan.Env()["HOME"], plan.WorkingDirectory));
        Assert.Null(At(plan, "/home/alice"));
        Assert.Equal(MountSpec.Tmpfs("/home/me"), At(Contained(new HomeSpec("/nowhere", "/home/me")), "/home/me"));
        Assert.Equal(ExitCode.BindTargetUnusable, Assert.Throws<HpcRunException>(() => PlanFixture.Plan(
            PlanFixture.Context(Request with { Home = new HomeSpec("/scratch/alice", null), Contain = true },
                PlanFixture.Host(resolved: Resolved) with { HomeSourceIsDirectory = false }))).Code);
    }

    [Fact]
    public void NoMountLeavesOutTmpHomeAndCwd()
    {
        ContainerPlan plan = Plan(Request with { NoMount = NoMount.None.With("--no-mount", "tmp,home,cwd") });
        Assert.DoesNotContain(plan.Mounts, m => m.Target is "/tmp" or "/var/tmp" or "/home/alice" or "/home/alice/run");
    }

    [Fact]
    public void NoMountLeavesOutSiteBinds()
    {
        var site = SiteConfig.None with
        {
            Binds = [new SiteBind(new BindSpec("/scratch/alice", "/scratch", false), "hpcrun.conf:1"),
                new SiteBind(new BindSpec("/home/alice", "/data", false), "hpcrun.conf:2")],
        };
        ContainerPlan Planned(string words) => PlanFixture.Plan(PlanFixture.Context(
            Request with { NoMount = NoMount.None.With("--no-mount", words) },
            PlanFixture.Host(resolved: Resolved) with { Site = site }));
        Assert.DoesNotContain(Planned("/scratch").Mounts, m => m.Target == "/scratch");
        Assert.Contains(Planned("/scratch").Mounts, m => m.Target == "/data");
        Assert.DoesNotContain(Planned("bind-paths").Mounts, m => m.Target is "/scratch" or "/data");
    }

    /// <summary>The host's /etc/hosts and /etc/localtime are Apptainer's default `bind path` entries and its
    /// /etc/resolv.conf is `config resolv_conf`: --no-mount leaves each out by its path, all three for bind-paths,
    /// also under --contain, and the image's own file stays.</summary>
    [Theory]
    [InlineData("/etc/hosts", new[] { "/etc/hosts" })]
    [InlineData("/etc/localtime,/etc/resolv.conf", new[] { "/etc/localtime", "/etc/resolv.conf" })]
    [InlineData("bind-paths", new[] { "/etc/hosts", "/etc/localtime", "/etc/resolv.conf" })]
    public void NoMountLeavesOutTheHostsNameResolutionAndTimeZone(string words, string[] left)
    {
        string[] files = ["/etc/hosts", "/etc/localtime", "/etc/resolv.conf"];
        foreach (bool contain in new[] { false, true })
        {
            ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(
                Request with { NoMount = NoMount.None.With("--no-mount", words), Contain = contain }));
            Assert.Equal(files.Except(left), files.Where(f => At(plan, f) is not null));
        }
        Assert.Equal(files, files.Where(f => At(PlanFixture.Plan(PlanFixture.Context(Request)), f) is not null));
    }

    [Fact]
    public void ShellPathReplacesTheDefaultShell() =>
        Assert.Equal(["/bin/zsh"], Plan(Request with { Shell = true, ShellPath = "/bin/zsh" }, null, "/bin/bash").Argv);

    [Fact]
    public void ContainedAndUncontainedRanksDifferInTheNodeRecord()
    {
        var image = new RecordedImage("0:42:7+0", "/images/app.sqfs");
        ContainerRecord plain = NodeSharing.Record(Plan(Request), image);
        ContainerRecord contained = NodeSharing.Record(Plan(Request with { Contain = true }), image);
        Assert.NotNull(NodeSharing.FirstDifference(contained, plain));
        ContainerRecord home = NodeSharing.Record(Plan(Request with { Home = new HomeSpec("/scratch/alice", null) }),
            image);
        Assert.NotNull(NodeSharing.FirstDifference(home, plain));
    }

    /// <summary>Another image is another container, even with the same options and mounts; the same image by
    /// another path (its identity: device, inode, offset) is the same.</summary>
    [Fact]
    public void RanksOfAnotherImageDifferInTheNodeRecord()
    {
        ContainerPlan plan = Plan(Request);
        ContainerRecord first = NodeSharing.Record(plan, new RecordedImage("0:42:7+0", "/images/app.sqfs"));
        Assert.Equal("image /images/other.sqfs where the first rank has /images/app.sqfs", NodeSharing.FirstDifference(
            NodeSharing.Record(plan, new RecordedImage("0:42:8+0", "/images/other.sqfs")), first));
        Assert.NotNull(NodeSharing.FirstDifference(
            NodeSharing.Record(plan, new RecordedImage("0:42:7+4096", "/images/app.sqfs")), first));
        Assert.Null(NodeSharing.FirstDifference(
            NodeSharing.Record(plan, new RecordedImage("0:42:7+0", "/links/app.sqfs")), first));
    }
}
