using System.CommandLine;
using HpcRun.CommandLine;
using static HpcRun.Tests.Cli.CommandLineTests;

namespace HpcRun.Tests.Cli;

/// <summary>Command lines that do not parse get hpcrun's own line (README, "Exit status": 64), and Apptainer's
/// habits that cost nothing work.</summary>
public class UsageErrorTests
{
    private static Command Root()
    {
        var root = new CommandLineRoot();
        var build = new Command("build") { new Argument<string>("output"), new Argument<string>("source") };
        build.Options.Add(new Option<string>("--platform"));
        var cache = new Command("cache") { new Command("list"), new Command("clean") { new Option<string>("--age") } };
        var doctor = new Command("doctor") { new Argument<string?>("image") { Arity = ArgumentArity.ZeroOrOne } };
        var status = new Command("status") { new Argument<long>("jobid") };
        var submit = new Command("submit") { new Option<int?>("-n"), new Option<double?>("--timeout") };
        foreach (Command verb in new[] { build, cache, doctor, status, submit }) root.Command.Subcommands.Add(verb);
        return root.Command;
    }

    private const string NoImage =
        "no image and no verb: hpcrun [OPTIONS] IMAGE [CMD ARGS...] (see 'hpcrun --help')";

    private static string? Problem(params string[] args) => UsageErrors.Describe(Root().Parse(args));

    [Theory]
    [InlineData(new[] { "build" }, "build needs OUTPUT and SOURCE: hpcrun build [OPTIONS] OUTPUT SOURCE")]
    [InlineData(new[] { "build", "o.sif" }, "build needs SOURCE: hpcrun build [OPTIONS] OUTPUT SOURCE")]
    [InlineData(new[] { "build", "o.sif", "x.def", "y" },
        "unexpected argument 'y' for build: hpcrun build [OPTIONS] OUTPUT SOURCE")]
    [InlineData(new[] { "build", "--bogus", "o.sif", "x.def" },
        "unknown option '--bogus' for build (see 'hpcrun build --help')")]
    [InlineData(new[] { "build", "--platform", "linux/amd64", "--bogus=1", "o.sif", "x" },
        "unknown option '--bogus' for build (see 'hpcrun build --help')")]
    [InlineData(new[] { "doctor", "--bogus" }, "unknown option '--bogus' for doctor (see 'hpcrun doctor --help')")]
    [InlineData(new[] { "cache" }, "cache needs one of: list, clean (see 'hpcrun cache --help')")]
    [InlineData(new[] { "cache", "list", "extra" },
        "unexpected argument 'extra' for cache list: hpcrun cache list [OPTIONS]")]
    [InlineData(new[] { "cache", "lst" }, "unknown verb 'cache lst': did you mean cache list?")]
    [InlineData(new[] { "cache", "purge" }, "unknown verb 'cache purge' (see 'hpcrun cache --help')")]
    [InlineData(new[] { "cache", "clean", "--age" }, "--age needs a value (see 'hpcrun cache clean --help')")]
    [InlineData(new[] { "build", "--platform" }, "--platform needs a value (see 'hpcrun build --help')")]
    [InlineData(new[] { "status", "abc" },
        "JOBID: 'abc' is not a whole number (at most 9223372036854775807) (see 'hpcrun status --help')")]
    [InlineData(new[] { "status", "99999999999999999999" },
        "JOBID: '99999999999999999999' is too large (at most 9223372036854775807) (see 'hpcrun status --help')")]
    [InlineData(new[] { "submit", "-n", "abc" },
        "-n: 'abc' is not a whole number (at most 2147483647) (see 'hpcrun submit --help')")]
    [InlineData(new[] { "submit", "-n", "99999999999" },
        "-n: '99999999999' is too large (at most 2147483647) (see 'hpcrun submit --help')")]
    [InlineData(new[] { "submit", "-n=-99999999999" },
        "-n: '-99999999999' is too small (at least -2147483648) (see 'hpcrun submit --help')")]
    [InlineData(new[] { "submit", "-n", "1.5" },
        "-n: '1.5' is not a whole number (at most 2147483647) (see 'hpcrun submit --help')")]
    [InlineData(new[] { "cache", "clean", "--age", "1", "--age", "2" },
        "--age takes one value, given 2: give it once (see 'hpcrun cache clean --help')")]
    [InlineData(new[] { "submit", "--timeout", "1", "--timeout", "2" },
        "--timeout takes one value, given 2: give it once (see 'hpcrun submit --help')")]
    [InlineData(new[] { "build", "o.sif", "" },
        "the SOURCE argument is empty, which names nothing: hpcrun build [OPTIONS] OUTPUT SOURCE")]
    [InlineData(new[] { "build", "", "x.def" },
        "the OUTPUT argument is empty, which names nothing: hpcrun build [OPTIONS] OUTPUT SOURCE")]
    [InlineData(new[] { "doctor", "" }, ImageArgument.EmptyLine)]
    [InlineData(new[] { "cache", "list", "-n" }, "unknown option '-n' for cache list (see 'hpcrun cache list --help')")]
    [InlineData(new[] { "doctor", "--writable" },
        "unknown option '--writable' for doctor (see 'hpcrun doctor --help')")]
    [InlineData(new[] { "submit", "--timeout", "soon" },
        "--timeout: 'soon' is not a number (see 'hpcrun submit --help')")]
    [InlineData(new string[0], NoImage)]
    [InlineData(new[] { "-v" }, NoImage)]
    public void ALineThatDoesNotParseIsSaidInHpcrunsWords(string[] args, string expected) =>
        Assert.Equal(expected, Problem(args));

    [Theory]
    [InlineData("build o.sif x.def")]
    [InlineData("build --platform -weird o.sif x.def")] // an option's value, not an option
    [InlineData("doctor img.sif")]
    [InlineData("doctor")]
    public void ALineThatParsesHasNoProblem(string line) => Assert.Null(Problem(line.Split(' ')));

    [Theory]
    [InlineData("--writable", "hpcrun images are read-only")]
    [InlineData("-w", "hpcrun images are read-only")]
    [InlineData("--overlay", "hpcrun images are read-only")]
    [InlineData("--net", "hpcrun keeps the host's network")]
    [InlineData("--memory", "hpcrun sets no resource limits")]
    [InlineData("--app", "hpcrun has no SCIF apps")]
    [InlineData("--no-https", "HPCRUN_INSECURE=1 speaks plain HTTP to a registry (pull and build take --no-https")]
    [InlineData("--nohttps", "HPCRUN_INSECURE=1 speaks plain HTTP to a registry (pull and build take --no-https")]
    [InlineData("--disable-cache", "`hpcrun pull OUT.sif docker://REF` (which takes --disable-cache)")]
    [InlineData("--unsquash", "hpcrun always serves a SquashFS or SIF image in place")]
    [InlineData("--sif-fuse", "hpcrun always serves a SquashFS or SIF image in place")]
    [InlineData("--no-umask", "hpcrun keeps your umask, as Apptainer does without --no-umask")]
    [InlineData("--ignore-userns", "hpcrun always runs in an unprivileged user namespace")]
    [InlineData("--ignore-subuid", "hpcrun always runs in an unprivileged user namespace")]
    [InlineData("--no-env", "--cleanenv passes none of the host's variables")]
    [InlineData("--device", "--gpu chooses the devices")]
    [InlineData("--compat32", "--nv and --rocm bind the GPU libraries of 64-bit programs")]
    public void ApptainersOptionsHpcrunLacksGetAdvice(string option, string advice)
    {
        var (code, request) = Parse("exec", option, "img", "true");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(request);
        Assert.StartsWith($"'{option}' is not supported: {advice}", UnsupportedOptions.Unknown(option, "exec"));
        Assert.Null(UnsupportedOptions.Refusal("--bogus"));
        Assert.Equal((int)ExitCode.Usage, Parse(option, "img", "true").Code); // the bare form too
    }

    [Theory]
    [InlineData("inspect", "--all", "`hpcrun inspect --json IMAGE` gives everything")]
    [InlineData("inspect", "--list-apps", "hpcrun has no SCIF apps")]
    [InlineData("build", "-s", "hpcrun builds image files")]
    [InlineData("build", "--nv", "a build's RUN and %test get no GPU: test the image with `hpcrun --nv")]
    [InlineData("build", "--rocm", "a build's RUN and %test get no GPU: test the image with `hpcrun --rocm")]
    [InlineData("build", "--bind", "a build binds nothing into RUN or %test")]
    [InlineData("build", "-B", "a build binds nothing into RUN or %test")]
    [InlineData("build", "--arch", "give the platform: --platform linux/ARCH")]
    [InlineData("pull", "--arch", "give the platform: --platform linux/ARCH")]
    [InlineData("build", "--fix-perms", "hpcrun keeps the modes the layers give")]
    [InlineData("exec", "--compat", "hpcrun's defaults are close to it already")]
    [InlineData("exec", "--no-init", "hpcrun starts no init")]
    [InlineData("exec", "--no-eval", "hpcrun evaluates the environment scripts")]
    [InlineData("build", "--reproducible", "hpcrun's builds and pulls are reproducible without it")]
    [InlineData("pull", "--reproducible", "hpcrun's builds and pulls are reproducible without it")]
    [InlineData("build", "--remote", "hpcrun builds here, unprivileged: leave it out")]
    [InlineData("build", "--json", "hpcrun reads definition files and Dockerfiles as text")]
    [InlineData("build", "--no-cleanup", "hpcrun removes a failed build's or pull's temporary files")]
    [InlineData("build", "--arch-variant", "give the platform with its variant: --platform linux/ARCH/VARIANT")]
    [InlineData("build", "--compat32", "a build's RUN and %test get no GPU")]
    [InlineData("build", "--data", "hpcrun writes system images only")]
    [InlineData("build", "--ignore-userns", "hpcrun always runs in an unprivileged user namespace")]
    [InlineData("inspect", "--app", "hpcrun has no SCIF apps")]
    [InlineData("pull", "-U", "hpcrun pulls from OCI registries, whose images carry no SIF signature")]
    public void ApptainersOptionsOfOneVerbGetAdviceThere(string verb, string option, string advice) =>
        Assert.StartsWith($"'{option}' is not supported: {advice}", UnsupportedOptions.Unknown(option, verb));

    /// <summary>The advice of Apptainer's launch options is for the verbs that take them (and build and pull for
    /// theirs); another verb's unknown option is only unknown.</summary>
    [Theory]
    [InlineData("-n", "cache list", false)]
    [InlineData("--writable", "inspect", false)]
    [InlineData("--net", "build", false)]
    [InlineData("--pid", "submit", true)]
    [InlineData("-n", "run", true)]
    [InlineData("--sandbox", "build", true)]
    [InlineData("--disable-cache", "pull", true)]
    [InlineData("--authfile", "pull", true)]
    public void LaunchAdviceIsForTheVerbsThatTakeTheOption(string option, string verb, bool advised) =>
        Assert.Equal(advised, UnsupportedOptions.Unknown(option, verb).Contains("is not supported"));

    [Fact]
    public void ApptainersQuietAndSilentWorkBeforeTheVerbAndAfterItSayWhereTheyGo()
    {
        var (code, request) = Parse("-q", "img", "true");
        Assert.True(code == 42 && request is not null); // the launch handler's status
        Assert.Equal(-1, Logging.Verbosity);
        Assert.Equal(42, Parse("-s", "shell", "img").Code);
        Assert.Equal(-2, Logging.Verbosity);
        Assert.Equal(42, Parse("--silent", "--quiet", "exec", "img", "true").Code);
        Assert.Equal(-1, Logging.Verbosity); // the louder wins, as Apptainer ranks them
        Assert.Equal(42, Parse("-s", "exec", "-v", "img", "true").Code);
        Assert.Equal(1, Logging.Verbosity);
        Assert.Equal((int)ExitCode.Usage, Parse("exec", "-q", "img", "true").Code);
        Assert.Equal("'-q' goes before the verb, as Apptainer takes it: hpcrun -q exec IMAGE CMD",
            UnsupportedOptions.Unknown("-q", "exec"));
        Assert.Equal("unknown option '-t' for exec (see 'hpcrun exec --help')",
            UnsupportedOptions.Unknown("-t", "exec"));
        Assert.Equal("'-q' goes before the verb, as Apptainer takes it: hpcrun -q build ...",
            UnsupportedOptions.Unknown("-q", "build"));
        Assert.Equal("'-s' goes before the verb, as Apptainer takes it: hpcrun -s exec IMAGE CMD",
            UnsupportedOptions.Unknown("-s", ""));
    }

    [Fact]
    public void UsernsIsAcceptedAndFIsFakeroot()
    {
        var (code, request) = Parse("-u", "--userns", "--no-privs", "-f", "img", "true");
        Assert.Equal(42, code);
        Assert.True(request!.FakeRoot);
    }

    [Fact]
    public void BundledFlagsAreTakenApart()
    {
        var (code, request) = Parse("-ce", "img", "true");
        Assert.Equal(42, code);
        Assert.True(request!.Contain);
        Assert.True(request.CleanEnv);
        Assert.True(Parse("exec", "-fc", "img", "true").Request!.FakeRoot);
        Assert.Equal((int)ExitCode.Usage, Parse("-cB", "/data", "img", "true").Code); // -B takes a value
        Assert.Equal((int)ExitCode.Usage, Parse("-cx", "img", "true").Code);
    }

    [Theory]
    [InlineData(new[] { "help" }, new[] { "--help" })]
    [InlineData(new[] { "help", "build" }, new[] { "build", "--help" })]
    [InlineData(new[] { "-v", "help", "cache", "clean" }, new[] { "-v", "cache", "clean", "--help" })]
    [InlineData(new[] { "img.sif", "help" }, new[] { "img.sif", "help" })] // a job's own word
    [InlineData(new[] { "help", "help" }, new[] { "--help" })]
    [InlineData(new[] { "help", "help", "build" }, new[] { "build", "--help" })]
    public void HelpIsAVerb(string[] args, string[] meant)
    {
        Assert.Equal(meant, CommandLineRoot.WithoutHelpVerb(args, Root()));
        Assert.Equal("build", ToolVerbs.Named(["help", "build"]));
    }

    [Theory]
    [InlineData(new[] { "help", "nosuch" }, "unknown verb 'nosuch' (see 'hpcrun --help')")]
    [InlineData(new[] { "help", "biuld" }, "unknown verb 'biuld': did you mean build?")]
    [InlineData(new[] { "help", "cache", "lst" }, "unknown verb 'cache lst': did you mean cache list?")]
    [InlineData(new[] { "help", "instance" }, "'instance' is not supported: ")]
    public void HelpForAVerbThereIsNotIsAUsageError(string[] args, string message)
    {
        var error = Assert.Throws<HpcRunException>(() => CommandLineRoot.WithoutHelpVerb(args, Root()));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void AnUnknownOptionTypedWithoutAVerbIsNotExecs()
    {
        Assert.Equal("unknown option '--bogus' (see 'hpcrun --help')", UnsupportedOptions.Unknown("--bogus", ""));
        Assert.Equal("unknown option '--bogus' (see 'hpcrun exec --help')",
            UnsupportedOptions.Unknown("--bogus", "", "exec"));
        Assert.Equal((int)ExitCode.Usage, Parse("--bogus").Code);
        Assert.Equal((int)ExitCode.Usage, Parse("--bogus", "img", "true").Code);
    }
}
