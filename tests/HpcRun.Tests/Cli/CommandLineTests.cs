using HpcRun.Cli;
using HpcRun.Launch;

namespace HpcRun.Tests.Cli;

public class CommandLineTests
{
    internal static (int Code, LaunchRequest? Request) Parse(params string[] args) =>
        ParseWith(new Dictionary<string, string>(), args);

    internal static (int Code, LaunchRequest? Request) ParseWith(IReadOnlyDictionary<string, string> environment,
        params string[] args)
    {
        LaunchRequest? captured = null;
        int code = new HpcRunCli([], request => { captured = request; return 42; }, environment).Invoke(args);
        return (code, captured);
    }

    [Fact]
    public void BareImageAndCommandMeansExec()
    {
        var (code, request) = Parse("img.sqfs", "./solver", "input.dat");
        Assert.Equal(42, code);
        Assert.Equal("img.sqfs", request!.Image);
        Assert.Equal(["./solver", "input.dat"], request.Command);
    }

    [Fact]
    public void OptionsAfterTheImageBelongToTheJob()
    {
        var (_, request) = Parse("-B", "/data", "img", "ls", "-v", "--fakeroot", "-B", "x");
        Assert.Equal(["ls", "-v", "--fakeroot", "-B", "x"], request!.Command);
        Assert.False(request.FakeRoot);
        Assert.Equal([new BindSpec("/data", "/data", false)], request.Binds);
    }

    [Fact]
    public void RunTakesADoubleDashBeforeTheRunscriptsArguments()
    {
        var (_, request) = Parse("run", "--cleanenv", "img", "--", "env", "-0");
        Assert.True(request!.CleanEnv);
        Assert.Empty(request.Command);
        Assert.Equal(["env", "-0"], request.RunArguments);
    }

    [Fact]
    public void RunWithoutCommandUsesTheImageDefault()
    {
        var (_, request) = Parse("run", "img");
        Assert.Empty(request!.Command);
        Assert.False(request.Shell);
    }

    [Fact]
    public void RepeatedAndCommaSeparatedBindsAccumulate()
    {
        var (_, request) = Parse("exec", "--bind", "/a:/x:ro,/b", "-B", "/c:/y:rw", "img", "true");
        Assert.Equal(
            [new BindSpec("/a", "/x", true), new BindSpec("/b", "/b", false), new BindSpec("/c", "/y", false)],
            request!.Binds);
    }

    [Fact]
    public void LaunchOptionsReachTheRequest()
    {
        var (_, request) = Parse("exec", "--env", "A=1", "--env", "B=2", "--env-file", "f", "--fakeroot",
            "--writable-tmpfs", "--pwd", "/work/", "img", "true");
        Assert.Equal(["A=1", "B=2"], request!.EnvAssignments);
        Assert.Equal(["f"], request.EnvFiles);
        Assert.True(request.FakeRoot);
        Assert.True(request.WritableTmpfs);
        Assert.Equal("/work", request.WorkingDirectory);
    }

    [Fact]
    public void ShellIsAShell()
    {
        var (_, request) = Parse("shell", "img");
        Assert.True(request!.Shell);
    }

    /// <summary>`apptainer shell IMG -c "echo hi"` starts its shell (a warning says the arguments are ignored): what
    /// follows the image is carried, not refused; it is no command.</summary>
    [Fact]
    public void ShellTakesWhatFollowsTheImageAsApptainersDoes()
    {
        var (code, request) = Parse("shell", "img", "-c", "echo hi");
        Assert.Equal(42, code);
        Assert.True(request!.Shell);
        Assert.Empty(request.Command);
        Assert.Equal(["-c", "echo hi"], request.RunArguments);
    }

    [Theory]
    [InlineData("exec", "img")]                  // exec needs a command
    [InlineData("run")]                          // no image
    [InlineData("exec", "--pwd", "rel", "img", "ls")]
    [InlineData("exec", "-B", "/a:/b:rx", "img", "ls")]
    [InlineData("exec", "-B", "/a:relative", "img", "ls")]
    [InlineData("run", "--no-such-option", "img")]
    [InlineData("run", "--join-key=", "img")]
    public void BadCommandLinesAreUsageErrors(params string[] args)
    {
        var (code, request) = Parse(args);
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(request);
    }

    [Fact]
    public void NodeSharingOptions()
    {
        var (_, keyed) = Parse("--join-key", "coupled", "img", "app");
        Assert.Equal("coupled", keyed!.JoinKey);
        Assert.False(keyed.NoJoin);
        var (_, alone) = Parse("exec", "--no-join", "img", "app", "--join-key", "x");
        Assert.True(alone!.NoJoin);
        Assert.Null(alone.JoinKey);
        Assert.Equal(["app", "--join-key", "x"], alone.Command);
    }

    [Theory]
    [InlineData("--version", "extra"), InlineData("-v", "--version"), InlineData("--debug", "-q", "--version", "x")]
    public void VersionIsAnsweredWhateverComesWithIt(params string[] args) => Assert.Equal((0, null), Parse(args));

    [Theory]
    [InlineData("HPCRUN_NO_JOIN"), InlineData("HPCRUN_OFFLINE"), InlineData("HPCRUN_INSECURE")]
    [InlineData("HPCRUN_FAST_JOIN"), InlineData("APPTAINER_CLEANENV"), InlineData("SINGULARITY_NV")]
    public void ASwitchVariableThatIsNeitherOnNorOffIsAUsageError(string variable)
    {
        var environment = new Dictionary<string, string> { [variable] = "maybe" };
        Assert.Equal(((int)ExitCode.Usage, null), ParseWith(environment, "--cleanenv", "--gpu=none", "img", "true"));
        Assert.Equal(42, ParseWith(new Dictionary<string, string> { [variable] = "0" }, "img", "true").Code);
    }

    [Fact]
    public void NoArgumentsIsAUsageError() => Assert.Equal((int)ExitCode.Usage, Parse().Code);

    [Fact]
    public void VersionAndHelpDoNotLaunch()
    {
        Assert.Equal(0, Parse("version").Code);
        Assert.Equal(0, Parse("--help").Code);
        Assert.Equal(0, Parse("exec", "--help").Code);
    }
}
