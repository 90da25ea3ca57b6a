using HpcRun.Image.Metadata;
using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class CommandPartTests
{
    private static IReadOnlyList<string> Argv(LaunchRequest? request = null, ImageConfig? config = null,
        params string[] files) =>
        PlanFixture.Plan(PlanFixture.Context(request, config: config,
            files: files.ToDictionary(f => f, string? (_) => ""))).Argv;

    [Fact]
    public void TheGivenCommandRunsAsIs() =>
        Assert.Equal(["./solver", "in.dat"],
            Argv(new LaunchRequest { Image = "i", Command = ["./solver", "in.dat"] }, null, "/hpcrun-run"));

    [Fact]
    public void DefaultCommandPrefersHpcrunRunThenRunscriptThenConfigThenShell()
    {
        var config = new ImageConfig { Entrypoint = ["/entry"], Cmd = ["--flag"] };
        Assert.Equal(["/hpcrun-run"], Argv(null, config, "/hpcrun-run", "/.singularity.d/runscript"));
        Assert.Equal(["/.singularity.d/runscript"], Argv(null, config, "/.singularity.d/runscript"));
        Assert.Equal(["/entry", "--flag"], Argv(null, config));
        Assert.Equal(["/bin/sh"], Argv());
    }

    [Fact]
    public void TestRunsTheTestScriptWithItsArgumentsElseSaysThereIsNone()
    {
        var test = new LaunchRequest { Image = "i", Test = true, RunArguments = ["quick"] };
        Assert.Equal(["/.singularity.d/test", "quick"],
            Argv(test, null, "/.singularity.d/test", "/.singularity.d/runscript"));
        Assert.Equal(["/bin/sh", "-c", "echo 'No test script found in container, exiting'"],
            Argv(test, null, "/.singularity.d/runscript"));
    }

    [Fact]
    public void ShellPrefersBashWithoutItsRcFilesAndRunsAGivenShellAsGiven()
    {
        var shell = new LaunchRequest { Image = "i", Shell = true };
        Assert.Equal(["/bin/bash", "--norc"], Argv(shell, null, "/bin/bash", "/bin/sh"));
        Assert.Equal(["/bin/sh"], Argv(shell, null, "/bin/sh"));
        Assert.Equal(["/bin/bash"], Argv(shell with { ShellPath = "/bin/bash" }, null, "/bin/bash"));
        Assert.Equal(["/bin/zsh"], Argv(shell with { ShellPath = "/bin/zsh" }, null, "/bin/bash"));
    }

    [Fact]
    public void ADeletedCurrentDirectoryFallsBackToTheImagesWorkingDirectory()
    {
        var config = new ImageConfig { WorkingDir = "/opt/app" };
        var host = PlanFixture.Host(cwd: "/home/alice/run") with { Cwd = null };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(host: host, config: config));
        Assert.Equal("/opt/app", plan.WorkingDirectory);
        const string deleted =
            "the current directory no longer exists (deleted?): the job starts in the image's working directory";
        Assert.Equal(new PlanMessage(MessageLevel.Warning, deleted), Assert.Single(plan.Messages));
        Assert.Equal("/", PlanFixture.Plan(PlanFixture.Context(host: host)).WorkingDirectory);
        var pwd = new LaunchRequest { Image = "i", WorkingDirectory = "/opt/app" };
        Assert.Empty(PlanFixture.Plan(PlanFixture.Context(pwd, host)).Messages);
    }

    [Fact]
    public void PwdOptionWins()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context(
            new LaunchRequest { Image = "i", WorkingDirectory = "/opt/app" }));
        Assert.Equal("/opt/app", plan.WorkingDirectory);
        Assert.Equal("/opt/app", plan.Env()["PWD"]);
    }
}
