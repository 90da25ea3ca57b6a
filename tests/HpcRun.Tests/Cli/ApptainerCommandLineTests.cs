using HpcRun.Gpu;
using HpcRun.Launch;
using static HpcRun.Tests.Cli.CommandLineTests;

namespace HpcRun.Tests.Cli;

/// <summary>Apptainer's command-line habits (README, "Apptainer → hpcrun").</summary>
public class ApptainerCommandLineTests
{
    [Fact]
    public void RunPassesItsArgumentsToTheDefaultCommand()
    {
        var (code, request) = Parse("run", "-B", "/data", "img", "input.dat", "-v", "--fakeroot");
        Assert.Equal(42, code);
        Assert.Empty(request!.Command);
        Assert.Equal(["input.dat", "-v", "--fakeroot"], request.RunArguments);
        Assert.False(request.FakeRoot);
    }

    [Fact]
    public void TestPassesItsArgumentsToTheTestScript()
    {
        var (code, request) = Parse("test", "-B", "/data", "img", "quick", "-v");
        Assert.Equal(42, code);
        Assert.True(request!.Test);
        Assert.Empty(request.Command);
        Assert.Equal(["quick", "-v"], request.RunArguments);
        Assert.Equal("/data", Assert.Single(request.Binds).Source);
        Assert.False(Parse("run", "img").Request!.Test);
    }

    [Fact]
    public void ExecAndTheBareFormRunTheCommand()
    {
        Assert.Equal(["ls", "-l"], Parse("exec", "img", "ls", "-l").Request!.Command);
        var (_, bare) = Parse("img", "ls", "-l");
        Assert.Equal(["ls", "-l"], bare!.Command);
        Assert.Empty(bare.RunArguments);
        var (code, alone) = Parse("img"); // no command: the image's default
        Assert.Equal(42, code);
        Assert.Empty(alone!.Command);
    }

    [Theory]
    [InlineData("instance")]
    [InlineData("sign")]
    [InlineData("verify")]
    [InlineData("oci")]
    [InlineData("oras://ghcr.io/me/img:1")]
    [InlineData("library://alpine")]
    [InlineData("shub://me/img")]
    public void UnsupportedVerbsAndReferencesAreUsageErrors(string word)
    {
        var (code, request) = Parse(word, "x", "y");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(request);
        Assert.StartsWith($"'{word}' is not supported: ", HpcRun.CommandLine.UnsupportedVerbs.Refusal(word));
    }

    [Fact]
    public void AnUnsupportedReferenceAfterAVerbIsRefusedToo()
    {
        var (code, request) = Parse("exec", "library://alpine", "ls");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(request);
    }

    [Theory]
    [InlineData("exce", "exec")]
    [InlineData("shel", "shell")]
    [InlineData("buidl", "build")]
    [InlineData("inspcet", "inspect")]
    [InlineData("rn", null)]           // too short to guess
    [InlineData("img.sif", null)]      // a file name
    [InlineData("./exce", null)]       // a path
    [InlineData("solver", null)]       // far from every verb
    public void TyposGetASuggestion(string word, string? verb) =>
        Assert.Equal(verb, HpcRun.Image.Text.Typos.Suggestion(word,
            ["run", "exec", "shell", "build", "inspect", "submit", "status", "cancel", "jobs", "doctor", "version"]));

    [Fact]
    public void ATypoThatNamesNoFileIsAUsageError()
    {
        var (code, request) = Parse("exce", "img", "ls");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(request);
    }

    [Fact]
    public void AFileNamedLikeATypoStillRuns()
    {
        string dir = Directory.CreateTempSubdirectory("hpcrun-typo").FullName;
        string previous = Environment.CurrentDirectory;
        try
        {
            File.WriteAllText(Path.Join(dir, "shel"), "");
            Environment.CurrentDirectory = dir;
            var (code, request) = Parse("shel", "ls");
            Assert.Equal(42, code);
            Assert.Equal("shel", request!.Image);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ContainAllIsContainAndCleanEnv()
    {
        var (_, request) = Parse("exec", "-C", "img", "true");
        Assert.True(request!.Contain);
        Assert.True(request.CleanEnv);
        var (_, contained) = Parse("exec", "-c", "img", "true");
        Assert.True(contained!.Contain);
        Assert.False(contained.CleanEnv);
    }

    [Fact]
    public void HomeNoHomeCwdAndNoMount()
    {
        var (_, request) = Parse("exec", "-H", "/scratch/me:/home/me", "--cwd", "/work", "--no-mount", "tmp,cwd",
            "--no-mount", "/site", "img", "true");
        Assert.Equal(new HomeSpec("/scratch/me", "/home/me"), request!.Home);
        Assert.Equal("/work", request.WorkingDirectory);
        Assert.True(request.NoMount.Tmp);
        Assert.True(request.NoMount.Cwd);
        Assert.False(request.NoMount.Home);
        Assert.Equal(["/site"], request.NoMount.SiteTargets);
        Assert.True(Parse("exec", "--no-home", "img", "true").Request!.NoMount.Home);
    }

    [Fact]
    public void HomeAndNoHomeTogetherContradict()
    {
        var (code, request) = Parse("exec", "--home", "/scratch/me", "--no-home", "img", "true");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(request);
        Assert.Equal((int)ExitCode.Usage, Parse("exec", "--no-home", "-H", "/scratch/me", "img", "true").Code);
    }

    /// <summary>APPTAINER_HOME is --home's value, APPTAINER_NO_HOME --no-home's, and `home` in --no-mount or
    /// APPTAINER_NO_MOUNT is --no-home: a home and none are refused whichever way each came.</summary>
    [Theory]
    [InlineData(new[] { "--no-home" }, "APPTAINER_HOME=/scratch/me")]
    [InlineData(new[] { "--no-home" }, "SINGULARITY_HOME=/scratch/me")]
    [InlineData(new[] { "--no-mount", "tmp,home" }, "APPTAINER_HOME=/s")]
    [InlineData(new[] { "-H", "/scratch/me" }, "APPTAINER_NO_HOME=1")]
    [InlineData(new[] { "-H", "/s", "--no-mount", "home" }, "")]
    [InlineData(new string[0], "APPTAINER_HOME=/s APPTAINER_NO_HOME=true")]
    [InlineData(new string[0], "SINGULARITY_HOME=/s SINGULARITY_NO_MOUNT=home")]
    public void AHomeAndNoHomeContradictAlsoFromApptainerVariables(string[] options, string variables)
    {
        var environment = variables.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(v => v.Split('=')[0], v => v.Split('=')[1]);
        Assert.Equal(((int)ExitCode.Usage, null), ParseWith(environment, ["exec", .. options, "img", "true"]));
    }

    /// <summary>The refusal names both sides as the user gave them.</summary>
    [Fact]
    public void AHomeAndNoHomeAreNamedAsGiven()
    {
        static string Refusal(LaunchRequest request, params string[] variables) =>
            Assert.Throws<HpcRunException>(() => ApptainerVariables.Apply(request,
                variables.ToDictionary(v => v.Split('=')[0], v => v.Split('=')[1]))).Message;
        var none = new LaunchRequest { Image = "img" };
        var noHome = none with { NoMount = NoMount.None with { Home = true, HomeOrigin = "--no-home" } };
        var home = none with { Home = new HomeSpec("/s", null), HomeOrigin = "--home" };
        Assert.Equal("APPTAINER_HOME contradicts --no-home", Refusal(noHome, "APPTAINER_HOME=/s"));
        Assert.Equal("--home contradicts APPTAINER_NO_HOME", Refusal(home, "APPTAINER_NO_HOME=1"));
        Assert.Equal("--home contradicts APPTAINER_NO_MOUNT home", Refusal(home, "APPTAINER_NO_MOUNT=tmp,home"));
        Assert.Equal("SINGULARITY_HOME contradicts SINGULARITY_NO_HOME",
            Refusal(none, "SINGULARITY_HOME=/s", "SINGULARITY_NO_HOME=true"));
        Assert.Equal("--home contradicts --no-mount home",
            Refusal(home with { NoMount = NoMount.None.With("--no-mount", "home") }));
    }

    [Fact]
    public void AHomeFromAVariableWithAVariableThatIsOffIsAHome()
    {
        var environment = new Dictionary<string, string> { ["APPTAINER_HOME"] = "/s", ["APPTAINER_NO_HOME"] = "0" };
        var (_, request) = ParseWith(environment, "exec", "img", "true");
        Assert.Equal(("/s", "APPTAINER_HOME", false),
            (request!.Home!.Source, request.HomeOrigin, request.NoMount.Home));
    }

    [Theory]
    [InlineData("proc")]
    [InlineData("dev")]
    [InlineData("tmpp")]
    public void NoMountRefusesWhatHpcrunNeedsAndUnknownWords(string word) =>
        Assert.Equal((int)ExitCode.Usage, Parse("exec", "--no-mount", word, "img", "true").Code);

    [Fact]
    public void MountTakesApptainersSpec()
    {
        var (_, request) = Parse("exec", "--mount", "type=bind,src=/a,dst=/x,ro",
            "--mount", "type=bind,source=/b,destination=/y", "--mount", "type=bind,source=/c,target=/z,readonly",
            "img", "true");
        Assert.Equal([new BindSpec("/a", "/x", true), new BindSpec("/b", "/y", false), new BindSpec("/c", "/z", true)],
            request!.Binds);
    }

    /// <summary>As Apptainer's ParseMountString, which reads the spec with Go's encoding/csv (as Docker does): a field
    /// in double quotes keeps its commas, `""` in it is a quote, type may be left out, each line is a mount.</summary>
    [Fact]
    public void MountReadsItsSpecAsCsvSoAPathMayHoldAComma()
    {
        var (code, request) = Parse("exec", "--mount", "type=bind,\"src=/data/a,b\",dst=/x",
            "--mount", "src=/c, \"dst=/y \"\"q\"\",z\" ,ro", "img", "true");
        Assert.Equal(42, code);
        Assert.Equal([new BindSpec("/data/a,b", "/x", false), new BindSpec("/c", "/y \"q\",z", true)],
            request!.Binds);
        var (_, fromVariable) = ParseWith(new Dictionary<string, string>
        {
            ["APPTAINER_MOUNT"] = "type=bind,\"source=/d,1\",target=/w\n\n\"src=/e\nf\",dst=/v,readonly\n",
        }, "exec", "img", "true");
        Assert.Equal([new BindSpec("/d,1", "/w", false), new BindSpec("/e\nf", "/v", true)], fromVariable!.Binds);
    }

    [Theory]
    [InlineData("type=bind,src=\"/a,b\",dst=/x", "a quote inside a field: quote the whole field (\"src=a,b\")")]
    [InlineData("type=bind,\"src=/a,dst=/x", "a quote is never closed")]
    [InlineData("\"src=/a\"b,dst=/x", "text after a closing quote: quote the whole field (\"src=a,b\")")]
    [InlineData("type=bind,image-src=/opt,src=/a.sif,dst=/x",
        "image-src: hpcrun binds host paths, not paths inside an image file")]
    public void AMountWithAQuoteOutOfPlaceSaysWhere(string spec, string why)
    {
        var error = Assert.Throws<HpcRunException>(() => MountOption.Parse("--mount", spec));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal($"--mount: bad mount '{spec}': {why}", error.Message);
    }

    [Theory]
    [InlineData("type=volume,src=/a,dst=/x")]
    [InlineData("type=bind,src=/a")]
    [InlineData("type=bind,src=/a,dst=rel")]
    [InlineData("type=bind,src=/a,dst=/x,ro=maybe")]
    [InlineData("type=bind,src=/a,dst=/x,propagation=shared")]
    public void BadMountsAreUsageErrors(string spec) =>
        Assert.Equal((int)ExitCode.Usage, Parse("exec", "--mount", spec, "img", "true").Code);

    /// <summary>cobra's "--" before the image, as Apptainer takes it: it ends the verb's options (the next word is the
    /// image, even one that looks like an option), for each verb that takes an image and for the bare form; a "--"
    /// right after the image still only separates it from the command.</summary>
    [Fact]
    public void ADoubleDashBeforeTheImageEndsTheOptions()
    {
        var (code, exec) = Parse("exec", "-e", "--", "img", "ls", "-v");
        Assert.Equal(42, code);
        Assert.Equal(("img", true), (exec!.Image, exec.CleanEnv));
        Assert.Equal(["ls", "-v"], exec.Command);
        Assert.Equal(["true"], Parse("exec", "--", "img", "--", "true").Request!.Command);
        Assert.Equal(["--", "x"], Parse("exec", "--", "img", "--", "--", "x").Request!.Command);
        Assert.Equal("-odd.sif", Parse("exec", "--", "-odd.sif", "true").Request!.Image);
        var run = Parse("run", "--", "img", "a", "-b").Request!;
        Assert.Equal(("img", 0), (run.Image, run.Command.Count));
        Assert.Equal(["a", "-b"], run.RunArguments);
        var shell = Parse("shell", "-s", "/bin/ash", "--", "img").Request!;
        Assert.Equal(("img", true, "/bin/ash"), (shell.Image, shell.Shell, shell.ShellPath));
        var ignored = Parse("shell", "--", "img", "ls"); // shell starts, warning that "ls" is ignored, as Apptainer's
        Assert.Equal((42, "img", true), (ignored.Code, ignored.Request!.Image, ignored.Request.Shell));
        var test = Parse("test", "--", "img", "quick").Request!;
        Assert.Equal(("img", true), (test.Image, test.Test));
        Assert.Equal(["quick"], test.RunArguments);
        var bare = Parse("-B", "/data", "--", "img", "true").Request!;
        Assert.Equal(("img", "/data"), (bare.Image, Assert.Single(bare.Binds).Source));
        Assert.Equal(["true"], bare.Command);
        Assert.Equal(["true"], Parse("--", "img", "true").Request!.Command);
        Assert.Empty(Parse("--", "img").Request!.Command);
    }

    [Theory]
    [InlineData("exec", "--")]
    [InlineData("run", "--")]
    [InlineData("shell", "--")]
    [InlineData("test", "--")]
    [InlineData("--")]
    [InlineData("exec", "--", "img")] // exec needs a command
    public void ADoubleDashBeforeTheImageStillNeedsAnImage(params string[] args) =>
        Assert.Equal((int)ExitCode.Usage, Parse(args).Code);

    /// <summary>Apptainer's local transports, `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`:
    /// split at the first colon after the prefix, as containers/image splits them; the part after it is the tag
    /// --tag would give.</summary>
    [Theory]
    [InlineData("oci:layout:1", null, "layout", "1")]
    [InlineData("oci:layout", null, "layout", null)]
    [InlineData("oci:/images/layout:latest", "latest", "/images/layout", "latest")]
    [InlineData("oci-archive:app.tar:2.1", null, "app.tar", "2.1")]
    [InlineData("docker-archive:app.tar:app:1", null, "app.tar", "app:1")]
    [InlineData("docker-archive:app.tar", "app:1", "app.tar", "app:1")]
    [InlineData("layout:1", null, "layout:1", null)]
    public void ApptainersTransportsNameTheSourceAndItsTag(string given, string? tag, string source, string? chosen) =>
        Assert.Equal((source, chosen), HpcRun.Tools.Verbs.Image.ImageVerbs.Transport(given, tag));

    [Theory]
    [InlineData("oci:layout:1", "2", "'oci:layout:1' names the image '1', --tag '2'")]
    public void ATransportsTagThatContradictsTagIsAUsageError(string given, string? tag, string message)
    {
        var error = Assert.Throws<HpcRunException>(() => HpcRun.Tools.Verbs.Image.ImageVerbs.Transport(given, tag));
        Assert.Equal((ExitCode.Usage, message), (error.Code, error.Message));
    }

    [Fact]
    public void ShellTakesAShellPath()
    {
        var (_, request) = Parse("shell", "-s", "/bin/zsh", "img");
        Assert.Equal("/bin/zsh", request!.ShellPath);
        Assert.Equal((int)ExitCode.Usage, Parse("exec", "-s", "/bin/zsh", "img", "true").Code);
        Assert.Null(Parse("shell", "-s", "", "img").Request!.ShellPath); // as Apptainer: the default shell
    }

    [Fact]
    public void ApptainerVariablesFillInWhatNoFlagGave()
    {
        var environment = new Dictionary<string, string>
        {
            ["APPTAINER_BIND"] = "/a:/x,/b",
            ["SINGULARITY_BINDPATH"] = "/c:/y:ro",
            ["SINGULARITY_BIND"] = "/ignored", // APPTAINER_BIND wins
            ["APPTAINER_MOUNT"] = "type=bind,src=/d,dst=/w",
            ["APPTAINER_CLEANENV"] = "1",
            ["SINGULARITY_CONTAIN"] = "true",
            ["APPTAINER_HOME"] = "/scratch/me",
            ["APPTAINER_PWD"] = "/data",
            ["APPTAINER_NO_MOUNT"] = "tmp",
        };
        var (_, request) = ParseWith(environment, "exec", "-B", "/e", "img", "true");
        Assert.Equal(
            [new BindSpec("/e", "/e", false), new BindSpec("/a", "/x", false), new BindSpec("/b", "/b", false),
                new BindSpec("/c", "/y", true), new BindSpec("/d", "/w", false)],
            request!.Binds);
        Assert.True(request.CleanEnv);
        Assert.True(request.Contain);
        Assert.Equal(new HomeSpec("/scratch/me", null), request.Home); // DST is SRC, as Apptainer's
        Assert.Equal("/data", request.WorkingDirectory);
        Assert.True(request.NoMount.Tmp);
    }

    [Fact]
    public void FlagsComeBeforeApptainerVariables()
    {
        var environment = new Dictionary<string, string>
        {
            ["APPTAINER_HOME"] = "/from/variable",
            ["APPTAINER_CWD"] = "/from/variable",
            ["APPTAINER_SHELL"] = "/bin/variable",
            ["APPTAINER_CONTAINALL"] = "0",
        };
        var (_, request) = ParseWith(environment, "shell", "-H", "/flag", "--pwd", "/flag", "-s", "/bin/flag", "img");
        Assert.Equal("/flag", request!.Home!.Source);
        Assert.Equal("/flag", request.WorkingDirectory);
        Assert.Equal("/bin/flag", request.ShellPath);
        Assert.False(request.Contain);
        Assert.Equal("/bin/variable", ParseWith(environment, "shell", "img").Request!.ShellPath);
    }

    /// <summary>Apptainer's variables of run's --fakeroot, --writable-tmpfs and --env-file (action_flags.go's
    /// EnvKeys): on, or a value, where no flag gave one; off as Go's ParseBool reads "0"; a word it refuses is 64.
    /// </summary>
    [Fact]
    public void ApptainersFakerootWritableTmpfsAndEnvFileVariablesActAsTheirFlags()
    {
        var environment = new Dictionary<string, string>
        {
            ["APPTAINER_FAKEROOT"] = "1",
            ["SINGULARITY_WRITABLE_TMPFS"] = "true",
            ["APPTAINER_ENV_FILE"] = "/from/variable.env",
        };
        var (_, request) = ParseWith(environment, "exec", "img", "true");
        Assert.True(request!.FakeRoot);
        Assert.True(request.WritableTmpfs);
        Assert.Equal(["/from/variable.env"], request.EnvFiles);
        Assert.Equal(["/flag.env"],
            ParseWith(environment, "exec", "--env-file", "/flag.env", "img", "true").Request!.EnvFiles);
        var off = ParseWith(new Dictionary<string, string> { ["APPTAINER_FAKEROOT"] = "0" }, "run", "img").Request!;
        Assert.False(off.FakeRoot);
        Assert.True(ParseWith(new Dictionary<string, string> { ["APPTAINER_FAKEROOT"] = "0" }, "run", "-f", "img")
            .Request!.FakeRoot); // the flag first
        var error = Assert.Throws<HpcRunException>(() => ApptainerVariables.Apply(new LaunchRequest { Image = "i" },
            new Dictionary<string, string> { ["APPTAINER_WRITABLE_TMPFS"] = "yes" }));
        Assert.Equal((ExitCode.Usage, "APPTAINER_WRITABLE_TMPFS: 'yes' is neither on (1, t, true) nor off (0, f, " +
            "false)"), (error.Code, error.Message));
    }

    /// <summary>Apptainer reads every spelling of a flag with APPTAINER_ before any with SINGULARITY_
    /// (cmd/internal/cli/apptainer.go: one pass per prefix), and within a prefix in the flag's order.</summary>
    [Theory]
    [InlineData("SINGULARITY_NOHTTPS=0 APPTAINER_NO_HTTPS=1", "APPTAINER_NO_HTTPS")]
    [InlineData("APPTAINER_NO_HTTPS=0 APPTAINER_NOHTTPS=1", "APPTAINER_NOHTTPS")]
    [InlineData("SINGULARITY_NO_HTTPS=1 APPTAINER_NOHTTPS=", "SINGULARITY_NO_HTTPS")] // an empty one is unset
    public void ApptainerPrefixComesFirstThenTheFlagsOrderOfSpellings(string environment, string found) =>
        Assert.Equal(found, ApptainerVariables.Find(Variables(environment).GetValueOrDefault, "NOHTTPS", "NO_HTTPS")
            ?.Name);

    [Fact]
    public void APwdVariableIsTakenWithApptainersPrefixBeforeSingularitysAnySpelling() =>
        Assert.Equal("/apptainer", ParseWith(new Dictionary<string, string>
        { ["SINGULARITY_PWD"] = "/singularity", ["APPTAINER_TARGET_CWD"] = "/apptainer" }, "exec", "img", "true")
            .Request!.WorkingDirectory);

    /// <summary>Plain HTTP to registries (pull, build, a launch's check of a tag): HPCRUN_INSECURE, else Apptainer's
    /// --no-https variables; a bad word in either is refused, naming it.</summary>
    [Theory]
    [InlineData("APPTAINER_NOHTTPS=1", true)]
    [InlineData("SINGULARITY_NO_HTTPS=true", true)]
    [InlineData("APPTAINER_NO_HTTPS=F", false)]
    [InlineData("HPCRUN_INSECURE=0 APPTAINER_NOHTTPS=1", false)] // hpcrun's own variable first
    [InlineData("HPCRUN_INSECURE=yes APPTAINER_NOHTTPS=0", true)]
    [InlineData("", false)]
    public void InsecureIsHpcrunsVariableElseApptainersNoHttps(string environment, bool insecure) =>
        Assert.Equal(insecure, ApptainerVariables.Insecure(Variables(environment).GetValueOrDefault));

    [Theory]
    [InlineData("APPTAINER_NOHTTPS=yes", "APPTAINER_NOHTTPS: 'yes' is neither on (1, t, true) nor off (0, f, false)")]
    [InlineData("HPCRUN_INSECURE=1 SINGULARITY_NOHTTPS=on",
        "SINGULARITY_NOHTTPS: 'on' is neither on (1, t, true) nor off (0, f, false)")]
    [InlineData("HPCRUN_INSECURE=t",
        "HPCRUN_INSECURE: 't' is neither on (1, true, yes, on) nor off (0, false, no, off)")]
    public void ABadInsecureWordIsRefusedNamingItsVariable(string environment, string message)
    {
        var error = Assert.Throws<HpcRunException>(
            () => ApptainerVariables.Insecure(Variables(environment).GetValueOrDefault));
        Assert.Equal((ExitCode.Usage, message), (error.Code, error.Message));
    }

    private static Dictionary<string, string> Variables(string environment) =>
        environment.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void ApptainerNvAndRocmAreOptionalGpusThatGiveWayToGpuAndHpcrunGpu()
    {
        Assert.Equal(GpuSelection.Nvidia with { Optional = true }, ParseWith(
            new Dictionary<string, string> { ["APPTAINER_NV"] = "1" }, "exec", "img", "true").Request!.Gpu);
        Assert.Equal(GpuSelection.Amd with { Optional = true }, ParseWith(
            new Dictionary<string, string> { ["SINGULARITY_ROCM"] = "true" }, "exec", "img", "true").Request!.Gpu);
        Assert.Equal(GpuSelection.None, ParseWith(
            new Dictionary<string, string> { ["APPTAINER_NV"] = "1" }, "exec", "--gpu=none", "img", "true")
            .Request!.Gpu);
        Assert.Null(ParseWith(new Dictionary<string, string> { ["APPTAINER_NV"] = "1", ["HPCRUN_GPU"] = "none" },
            "exec", "img", "true").Request!.Gpu);
    }

    [Fact]
    public void AnEmptyBindIsAUsageErrorNotNothing()
    {
        Assert.Equal((int)ExitCode.Usage, Parse("-B", "", "img", "true").Code);
        Assert.Equal((int)ExitCode.Usage, Parse("exec", "--bind", " , ", "img", "true").Code);
        Assert.Equal(2, Parse("-B", "/a,,/b", "img", "true").Request!.Binds.Count);
    }

    [Theory]
    [InlineData("APPTAINER_NV", "yes")]
    [InlineData("APPTAINER_CLEANENV", "maybe")]
    [InlineData("APPTAINER_BIND", "/a:/b:rx")]
    [InlineData("APPTAINER_PWD", "relative")]
    [InlineData("SINGULARITY_NO_MOUNT", "sys")]
    public void BadApptainerVariablesAreUsageErrors(string name, string value) =>
        Assert.Equal((int)ExitCode.Usage,
            ParseWith(new Dictionary<string, string> { [name] = value }, "exec", "img", "true").Code);

    [Theory]
    [InlineData("run")]
    [InlineData("exec")]
    [InlineData("shell")]
    public void HelpShowsTheUsageLineAndTwoExamples(string verb)
    {
        var output = new StringWriter();
        TextWriter previous = Console.Out;
        Console.SetOut(output);
        try { Assert.Equal(0, Parse(verb, "--help").Code); }
        finally { Console.SetOut(previous); }
        string help = output.ToString();
        Assert.Contains($"Usage:\n  hpcrun {verb} [OPTIONS] IMAGE", help);
        Assert.Equal(2, help[help.IndexOf("Examples:", StringComparison.Ordinal)..].Split('\n')
            .Count(l => l.StartsWith("  hpcrun ", StringComparison.Ordinal)
                || l.StartsWith("  srun ", StringComparison.Ordinal)));
    }
}
