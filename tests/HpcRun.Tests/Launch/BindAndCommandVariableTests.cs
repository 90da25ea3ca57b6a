using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

/// <summary>APPTAINER_BIND and APPTAINER_COMMAND inside, as Apptainer sets them (runtime/launch/launcher_linux.go's
/// setBinds, runtime/engine/apptainer/process_linux.go's runActionScript).</summary>
public class BindAndCommandVariableTests
{
    private static readonly Dictionary<string, string?> Resolved = new()
    {
        ["/home/alice"] = "/home/alice",
        ["/data"] = "/data",
    };

    private static ContainerPlan Plan(LaunchRequest request, Dictionary<string, string?>? files = null)
    {
        var site = SiteConfig.None with
        {
            Binds = [new SiteBind(new BindSpec("/data", "/site", false), "hpcrun.conf:1")],
        };
        return PlanFixture.Plan(PlanFixture.Context(request,
            PlanFixture.Host(resolved: Resolved) with { Site = site }, null, files));
    }

    /// <summary>The destinations of -B and its variables, then of --mount and APPTAINER_MOUNT, comma-separated, in
    /// both prefixes; not the site's binds; empty without binds.</summary>
    [Fact]
    public void BindListsTheUsersBindDestinationsMountsLast()
    {
        var given = new LaunchRequest
        {
            Image = "/images/app.sqfs",
            Binds = [BindSpec.Parse("/data:/a:ro"), .. MountOption.Parse("--mount", "src=/data,dst=/m"),
                BindSpec.Parse("/home/alice")],
        };
        LaunchRequest request = ApptainerVariables.Apply(given, new Dictionary<string, string>
        {
            ["APPTAINER_BIND"] = "/data:/v",
            ["APPTAINER_MOUNT"] = "src=/data,dst=/n",
        });
        var env = Plan(request).Env();
        Assert.Equal("/a,/home/alice,/v,/m,/n", env["APPTAINER_BIND"]);
        Assert.Equal(env["APPTAINER_BIND"], env["SINGULARITY_BIND"]);
        var none = Plan(new LaunchRequest { Image = "/images/app.sqfs" }).Env();
        Assert.Equal(("", ""), (none["APPTAINER_BIND"], none["SINGULARITY_BIND"]));
    }

    [Theory]
    [InlineData("exec", false, false, "true")]
    [InlineData("run", false, false)]
    [InlineData("shell", true, false)]
    [InlineData("test", false, true)]
    public void CommandIsTheAction(string action, bool shell, bool test, params string[] command)
    {
        var env = Plan(new LaunchRequest { Image = "/images/app.sqfs", Command = command, Shell = shell, Test = test })
            .Env();
        Assert.Equal(action, env["APPTAINER_COMMAND"]);
        Assert.False(env.ContainsKey("SINGULARITY_COMMAND"));
    }

    /// <summary>Apptainer's action script unsets them while the image's scripts run and puts them back after.
    /// </summary>
    [Fact]
    public void TheImagesScriptsDoNotSeeThem()
    {
        ContainerPlan plan = Plan(new LaunchRequest { Image = "/images/app.sqfs", Command = ["true"] },
            new()
            {
                ["/bin/sh"] = "",
                ["/.singularity.d"] = null,
                ["/.singularity.d/env"] = null,
                ["/.singularity.d/env/90-environment.sh"] = "export A=1\n",
            });
        string[] steps = plan.Argv[2].Split('\n');
        int Line(string text) => Array.FindIndex(steps, s => s.Contains(text));
        foreach (string name in new[] { "APPTAINER_BIND", "SINGULARITY_BIND", "APPTAINER_COMMAND" })
        {
            Assert.True(Line($"unset {name}") < Line("90-environment.sh"), plan.Argv[2]);
            Assert.True(Line("90-environment.sh") < Line($"{name}=\"$__hpcrun_h"), plan.Argv[2]);
        }
        Assert.Equal("exec", plan.Env()["APPTAINER_COMMAND"]);
    }
}
