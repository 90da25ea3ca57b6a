using HpcRun.Image.Metadata;
using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class CommandPartTests
{
    /// <summary>The argv in an image of <paramref name="files"/> (empty) and /bin/sh.</summary>
    private static IReadOnlyList<string> Argv(LaunchRequest? request = null, ImageConfig? config = null,
        params string[] files) =>
        PlanFixture.Plan(PlanFixture.Context(request, config: config,
            files: files.Append("/bin/sh").Distinct().ToDictionary(f => f, string? (_) => ""))).Argv;

    [Fact]
    public void TheGivenCommandRunsAsIs() =>
        Assert.Equal(["./solver", "in.dat"],
            Argv(new LaunchRequest { Image = "i", Command = ["./solver", "in.dat"] }, null, "/hpcrun-run"));

    /// <summary>An empty command (`hpcrun IMAGE ""`, `exec IMAGE ""`, an image config's entrypoint [""]) names no
    /// command: 127 and one line, as a shell says it, where a PATH search would have been refused each directory
    /// (126, "Permission denied"). An empty string after the command is only an argument.</summary>
    [Theory]
    [InlineData(new[] { "" }, null)]
    [InlineData(new[] { "", "x" }, null)]
    [InlineData(new string[0], new[] { "" })]
    public void AnEmptyCommandIsNotFound(string[] command, string[]? entrypoint)
    {
        var request = new LaunchRequest { Image = "i", Command = command };
        var error = Assert.Throws<HpcRunException>(() => Argv(request, new ImageConfig { Entrypoint = entrypoint }));
        Assert.Equal((ExitCode.CommandNotFound, "the command is an empty string: no command has that name"),
            (error.Code, error.Message));
        Assert.Equal(["/bin/sh", ""], Argv(new LaunchRequest { Image = "i", RunArguments = [""] }));
        Assert.Equal(["echo", ""], Argv(new LaunchRequest { Image = "i", Command = ["echo", ""] }));
    }

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
        Assert.Null(PlanFixture.Plan(PlanFixture.Context(test,
            files: new() { ["/.singularity.d/test"] = "", ["/bin/sh"] = "" })).Output);
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

    /// <summary>An image without /bin/sh cannot start its own scripts that need it: `hpcrun test` and `run` say so
    /// (127), where the start would have failed as "command not found" for a script that is there. Another
    /// interpreter the image has starts them; with no default command at all and no /bin/sh, or no shell for
    /// `hpcrun shell`, the line says what is missing.</summary>
    [Fact]
    public void WithoutBinShTheImagesScriptsAndDefaultsSayWhatIsMissing()
    {
        static string Refusal(LaunchRequest request, Dictionary<string, string?> files)
        {
            var error = Assert.Throws<HpcRunException>(
                () => PlanFixture.Plan(PlanFixture.Context(request, files: files)));
            Assert.Equal(ExitCode.CommandNotFound, error.Code);
            return error.Message;
        }
        var test = new LaunchRequest { Image = "i", Test = true };
        var run = new LaunchRequest { Image = "i" };
        Assert.Equal("the image has no /bin/sh to run its test script (/.singularity.d/test)",
            Refusal(test, new() { ["/.singularity.d/test"] = "#!/bin/sh\nexit 0\n" }));
        Assert.Equal("the image has no /bin/sh to run its runscript (/.singularity.d/runscript)",
            Refusal(run, new() { ["/.singularity.d/runscript"] = "#! /bin/sh -e\nexec app\n" }));
        Assert.Equal("the image has no /bin/sh to run its runscript (/hpcrun-run)",
            Refusal(run, new() { ["/hpcrun-run"] = "exec app \"$@\"\n" })); // no #!: execvp's /bin/sh
        Assert.Equal("the image has no /bin/bash to run its test script (/.singularity.d/test)",
            Refusal(test, new() { ["/.singularity.d/test"] = "#!/bin/bash\n" }));
        Assert.Equal("the image has no default command: no runscript, no entrypoint or cmd, and no /bin/sh to start " +
            "instead (give a command: hpcrun exec IMAGE CMD)", Refusal(run, new() { ["/busybox"] = "" }));
        Assert.Equal("the image has no shell: neither /bin/bash nor /bin/sh (name one with -s PATH)",
            Refusal(run with { Shell = true }, new() { ["/busybox"] = "" }));

        static IReadOnlyList<string> Started(LaunchRequest request, Dictionary<string, string?> files) =>
            PlanFixture.Plan(PlanFixture.Context(request, files: files)).Argv;
        Assert.Equal(["/.singularity.d/test"],
            Started(test, new() { ["/.singularity.d/test"] = "#!/busybox sh\n", ["/busybox"] = "" }));
        Assert.Equal(["/hpcrun-run"], // a program: no interpreter
            Started(run, new() { ["/hpcrun-run"] = "\u007fELF\u0002\u0001" }));
        Assert.Equal(["/.singularity.d/runscript"],
            Started(run, new() { ["/.singularity.d/runscript"] = "#!/bin/sh\n", ["/bin/sh"] = "" }));
        Assert.Equal(["/bin/ash"],
            Started(run with { Shell = true, ShellPath = "/bin/ash" }, new() { ["/busybox"] = "" }));
    }

    [Theory]
    [InlineData("#!/bin/sh\necho\n", "/bin/sh")]
    [InlineData("#! /usr/bin/env python3\n", "/usr/bin/env")]
    [InlineData("#!\t/bin/bash -e\n", "/bin/bash")]
    [InlineData("echo no interpreter line\n", "/bin/sh")]
    [InlineData("", "/bin/sh")]
    [InlineData("#!\n", null)]
    [InlineData("\u007fELF\u0002\u0001\u0001", null)]
    [InlineData(null, null)]
    public void AScriptsInterpreterIsItsFirstLinesFirstWordElseTheShell(string? text, string? interpreter) =>
        Assert.Equal(interpreter, HpcRun.Launch.Parts.CommandPart.Interpreter(text));

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
    public void ShellExportsTheShellItPicksAsShellAsApptainersShellActionDoes()
    {
        // The host's SHELL (/bin/bash) named a shell a busybox image lacks.
        var shell = new LaunchRequest { Image = "i", Shell = true };
        var host = PlanFixture.Host(new() { ["SHELL"] = "/bin/bash", ["PATH"] = "/usr/bin:/bin" });
        string? Shell(LaunchRequest request, params string[] files) => PlanFixture.Plan(PlanFixture.Context(request,
            host, files: files.ToDictionary(f => f, _ => (string?)""))).Env().GetValueOrDefault("SHELL");
        Assert.Equal("/bin/sh", Shell(shell, "/bin/sh"));
        Assert.Equal("/bin/bash", Shell(shell, "/bin/bash", "/bin/sh"));
        Assert.Equal("/bin/bash", Shell(shell with { ShellPath = "/bin/ash" }, "/bin/sh")); // as given: the host's
        Assert.Equal("/bin/bash", Shell(new LaunchRequest { Image = "i", Command = ["/bin/sh"] }, "/bin/sh"));
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

    /// <summary>A system directory is not bound over the image's (Apptainer's addCwdMount): started there
    /// (/usr/share/doc) with an image that lacks it, the job starts in the image's working directory, and says
    /// so, as for a deleted one; an image that has it starts there, silently.</summary>
    [Fact]
    public void ASystemCurrentDirectoryTheImageLacksFallsBackToTheImagesWorkingDirectoryWithAWarning()
    {
        var config = new ImageConfig { WorkingDir = "/opt/app" };
        var host = PlanFixture.Host(cwd: "/usr/share/doc");
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context(host: host, config: config));
        Assert.Equal("/opt/app", plan.WorkingDirectory);
        Assert.DoesNotContain(plan.Mounts, m => m.Target == "/usr/share/doc");
        Assert.Equal(new PlanMessage(MessageLevel.Warning, "the current directory /usr/share/doc is a system " +
            "directory, not bound over the image's, and the image has none: the job starts in the image's working " +
            "directory"), Assert.Single(plan.Messages));
        ContainerPlan there = PlanFixture.Plan(PlanFixture.Context(host: host,
            files: new() { ["/bin/sh"] = "", ["/usr/share/doc"] = null }));
        Assert.Equal(("/usr/share/doc", 0), (there.WorkingDirectory, there.Messages.Count));
        var pwd = new LaunchRequest { Image = "i", WorkingDirectory = "/opt/app" };
        Assert.Empty(PlanFixture.Plan(PlanFixture.Context(pwd, host)).Messages);
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
