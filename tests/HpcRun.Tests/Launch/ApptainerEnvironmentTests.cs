using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Tests.Launch;

/// <summary>The environment as Apptainer users expect it (Apptainer's environment_and_metadata.html): the
/// image's /.singularity.d/env scripts, APPTAINERENV_ and SINGULARITYENV_, --env expansion and lists, the
/// container's own variables, the prompt.</summary>
public class ApptainerEnvironmentTests
{
    private static readonly Dictionary<string, string?> PlainImage = new() { ["/bin/sh"] = "" };

    private static readonly Dictionary<string, string?> ApptainerImage = new()
    {
        ["/bin/sh"] = "",
        ["/.singularity.d"] = null,
        ["/.singularity.d/env"] = null,
        ["/.singularity.d/env/01-base.sh"] = "#!/bin/sh\n",
        ["/.singularity.d/env/90-environment.sh"] = "#!/bin/sh\nexport PATH=/opt/tool/bin:$PATH\nexport A=1\n",
        ["/.singularity.d/env/99-base.sh"] = "#!/bin/sh\n",
        ["/.singularity.d/env/99-runtimevars.sh"] = "#!/bin/sh\n",
        ["/.singularity.d/env/99-zlast.sh"] = "export LAST=1\n",
        ["/.singularity.d/env/README"] = "not a script",
    };

    private static ContainerPlan Plan(LaunchRequest? request = null, Dictionary<string, string>? host = null,
        Dictionary<string, string?>? files = null, ImageConfig? config = null,
        Dictionary<string, string>? envFiles = null) =>
        PlanFixture.Plan(PlanFixture.Context(request ?? new LaunchRequest { Image = "i" },
            PlanFixture.Host(host ?? new() { ["HOME"] = "/home/alice" }, envFiles: envFiles), config,
            files ?? PlainImage));

    private static Dictionary<string, string> Env(LaunchRequest? request = null,
        Dictionary<string, string>? host = null, ImageConfig? config = null,
        Dictionary<string, string>? envFiles = null) =>
        Plan(request, host, config: config, envFiles: envFiles).Env();

    private static LaunchRequest WithEnv(params string[] env) => new() { Image = "i", EnvAssignments = env };

    [Fact]
    public void EnvValuesExpandAgainstTheContainersEnvironmentAndBackslashDollarIsLiteral()
    {
        var config = new ImageConfig { Env = ["PATH=/usr/bin:/bin"] };
        var env = Env(WithEnv("PATH=/opt/x/bin:$PATH", "A=${HOME}/a", "B=\\$HOME costs \\\\ $5 $(date) ${X:-y}",
            "C=$UNSET."), config: config);
        Assert.Equal("/opt/x/bin:/usr/bin:/bin", env["PATH"]);
        Assert.Equal("/home/alice/a", env["A"]);
        Assert.Equal("$HOME costs \\ $5 $(date) ${X:-y}", env["B"]);
        Assert.Equal(".", env["C"]);
    }

    [Theory]
    [InlineData("A=1,B=2", "A=1|B=2")]
    [InlineData("LIST=a,b,c", "LIST=a,b,c")]
    [InlineData("\"OPTS=-a,-b=1\",B=2", "OPTS=-a,-b=1|B=2")]
    [InlineData("EQ=x=y", "EQ=x=y")]
    [InlineData("\"Q=x\"", "Q=x")]
    public void AnEnvOptionIsOneAssignmentOrACommaListAsApptainerReadsIt(string option, string expected) =>
        Assert.Equal(expected, string.Join('|', EnvOption.Parse(option).Select(p => $"{p.Key}={p.Value}")));

    [Theory]
    [InlineData("A=1,junk=2,x")]
    [InlineData("A=1,1B=2")]
    public void AListWithAPartThatIsNoAssignmentIsAUsageError(string option)
    {
        var error = Assert.Throws<HpcRunException>(() => Env(WithEnv(option)));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("quote a value that holds a comma", error.Message);
    }

    [Fact]
    public void ApptainerenvWinsOverSingularityenvHpcrunEnvOverBothAndEnvOverAll()
    {
        var host = new Dictionary<string, string>
        {
            ["SINGULARITYENV_A"] = "singularity",
            ["APPTAINERENV_A"] = "apptainer",
            ["SINGULARITYENV_B"] = "singularity",
            ["APPTAINERENV_B"] = "apptainer",
            ["HPCRUN_ENV_B"] = "hpcrun",
            ["SINGULARITYENV_C"] = "singularity",
            ["APPTAINERENV_C"] = "apptainer",
            ["SINGULARITYENV_D"] = "only legacy",
            ["APPTAINERENV_E"] = "$HOME/e",
            ["C"] = "host",
        };
        var env = Env(WithEnv("C=cli"), host);
        Assert.Equal("apptainer", env["A"]);
        Assert.Equal("hpcrun", env["B"]);
        Assert.Equal("cli", env["C"]);
        Assert.Equal("only legacy", env["D"]);
        Assert.Equal("/home/alice/e", env["E"]);
        Assert.False(env.ContainsKey("SINGULARITYENV_A")); // consumed, as in Apptainer
    }

    [Fact]
    public void PrependAndAppendPathExtendTheImagesPathUnlessPathIsGivenOutright()
    {
        var config = new ImageConfig { Env = ["PATH=/usr/bin"] };
        var host = new Dictionary<string, string>
        {
            ["APPTAINERENV_PREPEND_PATH"] = "/pre",
            ["SINGULARITYENV_APPEND_PATH"] = "/post",
        };
        var env = Env(null, host, config);
        Assert.Equal("/pre:/usr/bin:/post", env["PATH"]);
        Assert.False(env.ContainsKey("PREPEND_PATH"));
        Assert.Equal("/only", Env(WithEnv("PATH=/only"), host, config)["PATH"]);
        Assert.Equal("/cli:/usr/bin", Env(WithEnv("PREPEND_PATH=/cli"), null, config)["PATH"]);
    }

    [Fact]
    public void EnvFileValuesInSingleQuotesStayLiteralOthersExpand()
    {
        var request = new LaunchRequest { Image = "i", EnvFiles = ["f"] };
        var env = Env(request, envFiles: new() { ["f"] = "A='$HOME'\nB=\"$HOME/b\"\nC=${HOME}/c\nD=\\$HOME\n" });
        Assert.Equal("$HOME", env["A"]);
        Assert.Equal("/home/alice/b", env["B"]);
        Assert.Equal("/home/alice/c", env["C"]);
        Assert.Equal("$HOME", env["D"]);
    }

    [Theory]
    [InlineData("/images/app.sif", "/home/alice/run", "/images/app.sif")]
    [InlineData("app.sif", "/home/alice/run", "/home/alice/run/app.sif")]
    [InlineData("../imgs/./app.sif", "/home/alice/run", "/home/alice/imgs/app.sif")]
    [InlineData("tree/", "/home/alice/run", "/home/alice/run/tree")]
    public void ContainerVariablesHoldTheImagesAbsolutePathAndFileName(string typed, string cwd, string absolute)
    {
        LaunchContext context = PlanFixture.Context(host: PlanFixture.Host(cwd: cwd)) with
        {
            Image = new ImageSource(typed, ImageKind.Sif),
        };
        var env = Planner.Decide(context).Env();
        Assert.Equal(absolute, env["HPCRUN_CONTAINER"]);
        Assert.Equal(absolute, env["APPTAINER_CONTAINER"]);
        Assert.Equal(absolute, env["SINGULARITY_CONTAINER"]);
        Assert.Equal(absolute[(absolute.LastIndexOf('/') + 1)..], env["APPTAINER_NAME"]);
        Assert.Equal(env["APPTAINER_NAME"], env["SINGULARITY_NAME"]);
    }

    /// <summary>The image is read through its canonical path (<see cref="ImageSource.Name"/>), but the variables
    /// name it as typed, symlinks not resolved, as Apptainer does; only a relative name with the current directory
    /// gone falls back to the canonical path.</summary>
    [Theory]
    [InlineData("link.sif", "/home/alice/run", "/home/alice/run/link.sif")]
    [InlineData("/home/alice/links/../app.sif", "/", "/home/alice/app.sif")]
    [InlineData("link.sif", null, "/store/images/app-1.2.sif")]
    public void ContainerVariablesNameTheImageAsTypedNotItsResolvedPath(string typed, string? cwd, string absolute)
    {
        LaunchContext context = PlanFixture.Context(host: PlanFixture.Host(cwd: cwd!)) with
        {
            Image = new ImageSource("/proc/self/fd/7", ImageKind.Sif)
            { Name = "/store/images/app-1.2.sif", AsTyped = typed },
        };
        var env = Planner.Decide(context).Env();
        Assert.Equal(absolute, env["APPTAINER_CONTAINER"]);
        Assert.Equal(absolute, env["HPCRUN_CONTAINER"]);
        Assert.Equal(absolute[(absolute.LastIndexOf('/') + 1)..], env["APPTAINER_NAME"]);
    }

    [Fact]
    public void ThePromptShowsTheContainerUnlessTheImageOrTheUserSetsOne()
    {
        var host = new Dictionary<string, string> { ["PS1"] = "host$ " };
        Assert.Equal(EnvironmentPart.Prompt, Env(null, host)["PS1"]);
        Assert.Equal("image> ", Env(null, host, new ImageConfig { Env = ["PS1=image> "] })["PS1"]);
        Assert.Equal("mine> ", Env(WithEnv("PS1=mine> "), host)["PS1"]);
    }

    [Fact]
    public void AnImageWithoutEnvironmentScriptsRunsItsCommandDirectly()
    {
        var request = new LaunchRequest { Image = "i", Command = ["./solver", "in"] };
        ContainerPlan plan = Plan(request, files: PlainImage);
        Assert.Equal(["./solver", "in"], plan.Argv);
        Assert.Equal(["./solver", "in"], plan.JobCommand);
        Assert.DoesNotContain(plan.Environment, e => e.Key.StartsWith(ImageEnvironment.CarrierPrefix));
    }

    [Fact]
    public void TheImagesShellSourcesItsScriptsInNameOrderAndExecsTheExactCommand()
    {
        var host = new Dictionary<string, string> { ["HOME"] = "/home/alice", ["FROM_HOST"] = "h", ["odd.name"] = "o" };
        var request = new LaunchRequest
        {
            Image = "i",
            Command = ["./solver", "a b", "$HOME"],
            EnvAssignments = ["SECRET=s3cr3t:$PATH"],
        };
        ContainerPlan plan = Plan(request, host, ApptainerImage);
        Assert.Equal(["/bin/sh", "-c"], plan.Argv.Take(2));
        Assert.Equal(["hpcrun", "./solver", "a b", "$HOME"], plan.Argv.Skip(3));
        Assert.Equal(["./solver", "a b", "$HOME"], plan.JobCommand); // what -v shows
        string script = plan.Argv[2];
        string[] steps = script.Split('\n');
        int Line(string text) => Array.FindIndex(steps, s => s.Contains(text));
        Assert.True(Line("01-base.sh") < Line("90-environment.sh") && Line("90-environment.sh") < Line("99-base.sh"));
        Assert.True(Line("99-base.sh") < Line("SECRET=") && Line("SECRET=") < Line("99-zlast.sh"), script);
        Assert.Equal(-1, Line("99-runtimevars.sh"));
        Assert.Equal(-1, Line("README"));
        Assert.True(Line("unset FROM_HOST") < Line("01-base.sh"), script); // the scripts do not see the host's
        // It comes back where the scripts left it unset, before the user's values, which may refer to it.
        Assert.True(Line("99-base.sh") < Line("FROM_HOST=\"$__hpcrun_h"), script);
        Assert.True(Line("FROM_HOST=\"$__hpcrun_h") < Line("SECRET="), script);
        Assert.Equal(-1, Line("odd.name"));
        Assert.Equal(-1, Line("unset HOME"));
        Assert.EndsWith("exec \"$@\"\n", script);
        Assert.DoesNotContain("s3cr3t", script); // values travel in the environment, never in argv
        var env = plan.Env();
        Assert.Contains(env, e => e.Key.StartsWith(ImageEnvironment.CarrierPrefix) && e.Value == "s3cr3t:");
        Assert.Equal("h", env["FROM_HOST"]);
        Assert.False(env.ContainsKey("SECRET")); // set by the shell, after the image's scripts
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2")]
    public void TheJobsShellLevelIsTheOneItWouldHaveWithoutTheWrappingShell(string? level)
    {
        var host = new Dictionary<string, string> { ["HOME"] = "/home/alice" };
        if (level is not null) host["SHLVL"] = level;
        ContainerPlan plan = Plan(null, host, ApptainerImage);
        string script = plan.Argv[2];
        if (level is null) Assert.Contains("unset SHLVL\n", script);
        else
        {
            var carrier = Assert.Single(plan.Environment, e => e.Key.StartsWith(ImageEnvironment.CarrierPrefix));
            Assert.Equal(level, carrier.Value);
            Assert.Contains($"SHLVL=\"${{{carrier.Key}}}\"; export SHLVL\n", script);
        }
        Assert.DoesNotContain("=\"$SHLVL\"", script); // not hidden from the scripts, nor restored from the shell's
    }

    [Fact]
    public void ShellAndDefaultCommandsAreWrappedToo()
    {
        var files = new Dictionary<string, string?>(ApptainerImage) { ["/.singularity.d/runscript"] = "" };
        Assert.Equal(["hpcrun", "/.singularity.d/runscript"], Plan(files: files).Argv.Skip(3));
        var shell = new LaunchRequest { Image = "i", Shell = true };
        Assert.Equal(["hpcrun", "/bin/sh"], Plan(shell, files: files).Argv.Skip(3));
    }

    [Fact]
    public void WithoutAShellOnlyTheScriptsPlainExportsApplyWithAWarning()
    {
        var files = new Dictionary<string, string?>(ApptainerImage);
        files.Remove("/bin/sh");
        var request = new LaunchRequest { Image = "i", Command = ["/app"], EnvAssignments = ["B=$A$A"] };
        ContainerPlan plan = Plan(request, files: files);
        Assert.Equal(["/app"], plan.Argv);
        var env = plan.Env();
        Assert.Equal("1", env["A"]);
        Assert.Equal("11", env["B"]);
        Assert.Equal("1", env["LAST"]);
        Assert.Equal(EnvironmentPart.DefaultPath, env["PATH"]); // the PATH line needs a shell
        Assert.Contains(plan.Messages, m => m.Level == MessageLevel.Warning && m.Text.Contains("no /bin/sh"));
    }

    /// <summary>A shell-less image (a `Bootstrap: scratch` build's static program) whose scripts hold nothing but
    /// plain exports and comments, and a 99-base.sh (whose LD_LIBRARY_PATH hpcrun sets itself), loses nothing: no
    /// warning at every launch (a trial saw one about the scripts hpcrun's own build wrote).</summary>
    [Fact]
    public void WithoutAShellScriptsOfPlainExportsApplyWithNoWarning()
    {
        var files = new Dictionary<string, string?>
        {
            ["/.singularity.d"] = null,
            ["/.singularity.d/env"] = null,
            ["/.singularity.d/env/10-docker2singularity.sh"] = "#!/bin/sh\n",
            ["/.singularity.d/env/90-environment.sh"] = "#!/bin/sh\n# Custom environment shell code should follow\n" +
                "\n    export A=1\n",
            ["/.singularity.d/env/99-base.sh"] = "#!/bin/sh\nif [ -z \"${LD_LIBRARY_PATH:-}\" ]; then\n" +
                "    LD_LIBRARY_PATH=/.singularity.d/libs\nfi\nexport LD_LIBRARY_PATH\n",
        };
        ContainerPlan plan = Plan(new LaunchRequest { Image = "i", Command = ["/app"] }, files: files);
        Assert.Equal("1", plan.Env()["A"]);
        Assert.Empty(plan.Messages);
    }
}
