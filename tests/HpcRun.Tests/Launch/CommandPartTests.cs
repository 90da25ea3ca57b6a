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
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(test, files: new() { ["/bin/sh"] = "" }));
        Assert.Equal(("No test script found in container, exiting\n", 0), (plan.Output, plan.Argv.Count));
        Assert.Null(PlanFixture.Plan(PlanFixture.Context(test, files: new() { ["/.singularity.d/test"] = "" })).Output);
    }

    [Fact]
    public void WithoutATestScriptTestNeedsNoShellOfTheImage()
    {
        var test = new LaunchRequest { Image = "i", Test = true };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(test, files: new() { ["/busybox"] = "" }));
        Assert.Equal("No test script found in container, exiting\n", plan.Output);
        Assert.Empty(plan.Argv);
        Assert.Empty(plan.Messages);
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

    /// <summary>As Apptainer's shell: what follows the image is not the shell's; it starts without it, after a
    /// warning that says how to run a command.</summary>
    [Fact]
    public void ShellIgnoresTheArgumentsAfterTheImageWithAWarningAsApptainersDoes()
    {
        var shell = new LaunchRequest { Image = "i", Shell = true, RunArguments = ["-c", "echo hi"] };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(shell, files: new() { ["/bin/sh"] = "" }));
        Assert.Equal(["/bin/sh"], plan.Argv);
        Assert.Equal(new PlanMessage(MessageLevel.Warning, "shell ignores the arguments after the image, as " +
            "Apptainer's does: to run a command in the image's shell, hpcrun exec IMAGE /bin/sh -c 'COMMAND'"),
            Assert.Single(plan.Messages));
        Assert.Empty(PlanFixture.Plan(PlanFixture.Context(shell with { RunArguments = [] },
            files: new() { ["/bin/sh"] = "" })).Messages);
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

    [Theory]
    [InlineData("/root", "Permission denied")] // runuser from an admin's home
    [InlineData("/home/alice/run", "Permission denied")] // below the bound home
    [InlineData("/scratch/run", "Stale file handle")]
    [InlineData("/scratch/run", "Not a directory")]
    public void ACurrentDirectoryTheUserCannotEnterFallsBackToTheImagesWorkingDirectory(string cwd, string why)
    {
        var config = new ImageConfig { WorkingDir = "/opt/app" };
        var host = PlanFixture.Host(cwd: cwd) with { CwdUnusable = why };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(host: host, config: config));
        Assert.Equal(("/opt/app", "/opt/app"), (plan.WorkingDirectory, plan.Env()["PWD"]));
        Assert.Equal(new PlanMessage(MessageLevel.Warning,
                $"the current directory {cwd} cannot be entered ({why}): " +
                "the job starts in the image's working directory"),
            Assert.Single(plan.Messages));
        Assert.DoesNotContain(plan.Mounts, m => m.Target == cwd);
        Assert.Equal("/", PlanFixture.Plan(PlanFixture.Context(host: host)).WorkingDirectory);
        // Asked for, a directory is the user's to get right: no fallback, no warning.
        var pwd = new LaunchRequest { Image = "i", WorkingDirectory = "/opt/data" };
        ContainerPlan explicitPwd = PlanFixture.Plan(PlanFixture.Context(pwd, host));
        Assert.Equal(("/opt/data", 0), (explicitPwd.WorkingDirectory, explicitPwd.Messages.Count));
        var contain = new LaunchRequest { Image = "i", Contain = true };
        ContainerPlan contained = PlanFixture.Plan(PlanFixture.Context(contain, host));
        Assert.Equal(("/home/alice", 0), (contained.WorkingDirectory, contained.Messages.Count));
    }

    [Fact]
    public void ACurrentDirectoryTheUserCanEnterIsBoundAndStartedIn()
    {
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(host: PlanFixture.Host(cwd: "/scratch/run")));
        Assert.Equal("/scratch/run", plan.WorkingDirectory);
        Assert.Contains(MountSpec.Bind("/scratch/run", "/scratch/run"), plan.Mounts);
        Assert.Empty(plan.Messages);
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
