using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Tests.Launch;

/// <summary>A HOME the user gives as a value for inside (--env, --env-file, APPTAINERENV_HOME, SINGULARITYENV_HOME,
/// HPCRUN_ENV_HOME) is ignored with a warning, as Apptainer's SetContainerEnv ignores APPTAINERENV_HOME (every --env
/// and --env-file value reaches it as one): the home part decides HOME together with the home's bind, the passwd entry
/// and the contained job's working directory, which then agree. README, "Environment".</summary>
public class HomeFromEnvTests
{
    private static readonly Dictionary<string, string?> Resolved = new()
    {
        ["/home/alice"] = "/home/alice",
        ["/scratch/alice"] = "/scratch/alice",
    };

    private static readonly Dictionary<string, string> Caller = new() { ["HOME"] = "/home/alice", ["USER"] = "alice" };

    private static LaunchRequest Request(params string[] env) =>
        new() { Image = "/images/app.sqfs", EnvAssignments = env };

    private static ContainerPlan Plan(LaunchRequest request, Dictionary<string, string>? env = null,
        Dictionary<string, string>? envFiles = null, Dictionary<string, string?>? files = null) =>
        PlanFixture.Plan(PlanFixture.Context(request,
            PlanFixture.Host(env ?? Caller, resolved: Resolved, envFiles: envFiles),
            files: files ?? new() { ["/bin/sh"] = "" }));

    private static string? Home(ContainerPlan plan) => plan.Env().GetValueOrDefault("HOME");

    /// <summary>The home field of the passwd entry of the job's uid.</summary>
    private static string PasswdHome(ContainerPlan plan, string name) =>
        plan.Mounts.Last(m => m.Target == "/etc/passwd").Content!.Split('\n')
            .Single(line => line.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[5];

    private static string Warning(string origin) => EnvironmentPart.HomeIgnored(origin);

    private static void AssertWarned(ContainerPlan plan, string origin) =>
        Assert.Contains(new PlanMessage(MessageLevel.Warning, Warning(origin)), plan.Messages);

    [Fact]
    public void AloneHomeStaysTheHomesPathWithAWarning()
    {
        ContainerPlan plan = Plan(Request("HOME=/elsewhere", "A=1"));
        Assert.Equal("/home/alice", Home(plan));
        Assert.Equal("1", plan.Env()["A"]); // the rest of the user's values apply
        Assert.Contains(MountSpec.Bind("/home/alice", "/home/alice"), plan.Mounts);
        Assert.Equal("/home/alice", PasswdHome(plan, "alice"));
        Assert.Equal(new PlanMessage(MessageLevel.Warning, Warning("--env")), Assert.Single(plan.Messages));
        Assert.Equal("--env sets HOME: ignored, as Apptainer ignores it; HOME is the home's path inside, which " +
            "--home SRC[:DST] chooses", Warning("--env"));
    }

    /// <summary>A relative HOME names no place: the job's HOME is the account's home, where the home is bound (what
    /// the host facts give as the home), as Apptainer takes the home from the account.</summary>
    [Theory]
    [InlineData("rel"), InlineData("./home/alice")]
    public void ARelativeHomeIsTheAccountsHome(string caller)
    {
        ContainerPlan plan = Plan(Request(), new() { ["HOME"] = caller, ["USER"] = "alice" });
        Assert.Equal("/home/alice", Home(plan));
        Assert.Contains(MountSpec.Bind("/home/alice", "/home/alice"), plan.Mounts);
    }

    /// <summary>-H SRC:DST: HOME, the bind and the passwd entry are DST, whatever --env says.</summary>
    [Fact]
    public void WithAHomeHomeIsItsDestination()
    {
        ContainerPlan plan = Plan(Request("HOME=/elsewhere") with
        {
            Home = HomeSpec.Parse("--home", "/scratch/alice:/data"),
        });
        Assert.Equal("/data", Home(plan));
        Assert.Contains(MountSpec.Bind("/scratch/alice", "/data"), plan.Mounts);
        Assert.Equal("/data", PasswdHome(plan, "alice"));
        AssertWarned(plan, "--env");
        // Without --env too, the passwd entry has the home the job gets (Apptainer's passwd template: its DST).
        var home = HomeSpec.Parse("--home", "/scratch/alice:/data");
        Assert.Equal("/data", PasswdHome(Plan(Request() with { Home = home }), "alice"));
    }

    [Fact]
    public void WithFakeRootHomeIsRoot()
    {
        ContainerPlan plan = Plan(Request("HOME=/elsewhere") with { FakeRoot = true });
        Assert.Equal("/root", Home(plan));
        Assert.Contains(MountSpec.Bind("/home/alice", "/root"), plan.Mounts);
        Assert.Equal("/root", PasswdHome(plan, "root"));
        AssertWarned(plan, "--env");
    }

    /// <summary>--no-home binds no home, and HOME is still where it would be (Apptainer's home destination), not the
    /// user's value.</summary>
    [Fact]
    public void WithNoHomeHomeIsStillTheHomesPath()
    {
        ContainerPlan plan = Plan(Request("HOME=/tmp/h") with { NoMount = NoMount.None with { Home = true } });
        Assert.Equal("/home/alice", Home(plan));
        Assert.DoesNotContain(plan.Mounts, m => m.Target == "/home/alice");
        AssertWarned(plan, "--env");
        ContainerPlan root = Plan(Request("HOME=/tmp/h") with
        {
            FakeRoot = true,
            NoMount = NoMount.None with { Home = true },
        });
        Assert.Equal("/root", Home(root));
    }

    [Fact]
    public void WithCleanEnvHomeIsTheHomesPath()
    {
        ContainerPlan plan = Plan(Request("HOME=/elsewhere") with { CleanEnv = true });
        Assert.Equal("/home/alice", Home(plan));
        AssertWarned(plan, "--env");
        // A caller without HOME (env -i): the account's home, not the user's value.
        Assert.Equal("/home/alice", Home(Plan(Request("HOME=/elsewhere") with { CleanEnv = true }, env: [])));
    }

    /// <summary>Under --contain the job starts in the home, which is where HOME points.</summary>
    [Fact]
    public void WithContainTheJobStartsWhereHomePoints()
    {
        ContainerPlan plan = Plan(Request("HOME=/elsewhere") with { Contain = true, FakeRoot = true });
        Assert.Equal("/root", Home(plan));
        Assert.Equal("/root", plan.WorkingDirectory);
        Assert.Contains(MountSpec.Tmpfs("/root"), plan.Mounts);
    }

    /// <summary>Each source gets its warning, named as the user wrote it; none gets HOME in.</summary>
    [Fact]
    public void EverySourceOfAHomeIsIgnoredAndNamed()
    {
        var env = new Dictionary<string, string>(Caller)
        {
            ["APPTAINERENV_HOME"] = "/a",
            ["SINGULARITYENV_HOME"] = "/s",
            ["HPCRUN_ENV_HOME"] = "/h",
        };
        ContainerPlan plan = Plan(new LaunchRequest { Image = "/images/app.sqfs", EnvFiles = ["job.env"] } with
        {
            FakeRoot = true,
        }, env, envFiles: new() { ["job.env"] = "HOME=/f\nB=2\n" });
        Assert.Equal("/root", Home(plan));
        Assert.Equal("2", plan.Env()["B"]);
        Assert.Equal([.. new[] { "SINGULARITYENV_HOME", "APPTAINERENV_HOME", "HPCRUN_ENV_HOME", "--env-file job.env" }
                .Select(origin => new PlanMessage(MessageLevel.Warning, Warning(origin)))],
            plan.Messages);
    }

    /// <summary>The user's values that refer to $HOME see the HOME the job gets: /root under --fakeroot.</summary>
    [Fact]
    public void ValuesReferringToHomeSeeTheJobsHome()
    {
        Assert.Equal("/root/data", Plan(Request("DATA=$HOME/data") with { FakeRoot = true }).Env()["DATA"]);
        Assert.Equal("/data/x", Plan(Request("DATA=$HOME/x") with
        {
            Home = HomeSpec.Parse("--home", "/scratch/alice:/data"),
        }).Env()["DATA"]);
    }

    /// <summary>With the image's environment scripts, the user's values are applied by the image's shell: HOME is
    /// not among them either.</summary>
    [Fact]
    public void TheImagesShellGetsNoHomeOfTheUsers()
    {
        ContainerPlan plan = Plan(Request("HOME=/elsewhere", "A=1") with { FakeRoot = true }, files: new()
        {
            ["/bin/sh"] = "",
            ["/.singularity.d/env"] = null,
            ["/.singularity.d/env/99-base.sh"] = "",
        });
        Assert.Equal(["/bin/sh", "-c"], plan.Argv.Take(2)); // the script that sources them and sets A
        Assert.DoesNotContain("/elsewhere", plan.Argv[2]);
        Assert.Equal("/root", Home(plan));
        AssertWarned(plan, "--env");
    }
}
