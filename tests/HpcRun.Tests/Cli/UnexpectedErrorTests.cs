using HpcRun.Build;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Tools.Verbs.Image;

namespace HpcRun.Tests.Cli;

/// <summary>The catch-alls (Program.cs, HpcRunCli, CommandLineRoot, ImageVerbs.Run): .NET's exceptions become one
/// line of hpcrun's with the documented status, and never carry .NET's text or type names to the user.</summary>
public class UnexpectedErrorTests
{
    /// <summary>What .NET itself throws: its text must not reach the user.</summary>
    public static TheoryData<string, Func<Exception>, int, string> DotnetFailures => new()
    {
        { "null reference", () => Thrown(() => _ = ((string?)null)!.Length), 70, Unexpected.InternalError },
        { "bad cast", () => Thrown(() => _ = (string)(object)3), 70, Unexpected.InternalError },
        { "index", () => Thrown(() => _ = Array.Empty<int>()[1]), 70, Unexpected.InternalError },
        { "key", () => Thrown(() => _ = new Dictionary<string, int>()["x"]), 70, Unexpected.InternalError },
        { "argument null", () => Thrown(() => ArgumentNullException.ThrowIfNull((object?)null, "path")), 70,
            Unexpected.InternalError },
        { "missing directory", () => Thrown(() => File.ReadAllText("/nonexistent-hpcrun/x")), 71,
            "/nonexistent-hpcrun/x: no such file or directory" },
        { "disk full", () => Thrown(() => File.WriteAllText("/dev/full", "x")), 71,
            "/dev/full: no space left on device" },
    };

    private static Exception Thrown(Action action) => Assert.ThrowsAny<Exception>(action);

    [Theory]
    [MemberData(nameof(DotnetFailures))]
    public void DotnetsExceptionsBecomeOneLineOfOurs(string kind, Func<Exception> thrown, int status, string line)
    {
        Exception e = thrown();
        HpcRunException error = Unexpected.Error(e);
        Assert.Equal((status, line), ((int)error.Code, error.Message));
        AssertNoDotnetText(kind, e, error.Message);
    }

    /// <summary>ImageVerbs.Run (build, pull, inspect, ...): the same, with its statuses for what is ours.</summary>
    [Theory]
    [MemberData(nameof(DotnetFailures))]
    public void ImageVerbsSayTheSame(string kind, Func<Exception> thrown, int status, string line)
    {
        Exception e = thrown();
        var error = Assert.Throws<HpcRunException>(() => ImageVerbs.Run(() => throw e));
        Assert.Equal((status, line), ((int)error.Code, error.Message));
        AssertNoDotnetText(kind, e, error.Message);
    }

    [Fact]
    public void ImageVerbsKeepWhatIsOurs()
    {
        Assert.Equal((66, "/nonexistent-hpcrun: no such file or directory"),
            Said(() => File.ReadAllText("/nonexistent-hpcrun"))); // .NET's FileNotFoundException
        Assert.Equal((66, "image not found: x.sif"), Said(() => throw new MissingFileException("image not found: x.sif",
            "x.sif")));
        Assert.Equal((64, "bad platform 'x'"), Said(() => throw new ArgumentException("bad platform 'x'")));
        Assert.Equal((65, "truncated"), Said(() => throw new ImageFormatException("truncated")));
        Assert.Equal((80, "OUT exists"), Said(() => throw new ImageBuildException("OUT exists",
            BuildFailure.OutputUnwritable)));
        Assert.Equal((77, "ours"), Said(() => throw new HpcRunException(ExitCode.MpiIncompatible, "ours")));
        Assert.Equal((70, Unexpected.InternalError), Said(() => throw new ArgumentOutOfRangeException("count")));
    }

    /// <summary>A verb that throws what no code of hpcrun worded (a tools verb such as pull or cache) ends in one
    /// line and 70, not in .NET's report of an unhandled exception.</summary>
    [Fact]
    public void CommandLineRootSaysOneLineForAnyVerbsException()
    {
        var cli = new CommandLineRoot();
        var verb = new System.CommandLine.Command("boom");
        verb.SetAction(result => ((string?)null)!.Length); // a bug: NullReferenceException
        cli.Command.Subcommands.Add(verb);
        TextWriter stderr = Console.Error;
        var said = new StringWriter();
        Console.SetError(said);
        int status;
        try { status = cli.Invoke(["boom"]); }
        finally { Console.SetError(stderr); }
        Assert.Equal((70, $"hpcrun: {Unexpected.InternalError}\n"), (status, said.ToString()));
    }

    /// <summary>A verb's file operation that failed is its line at --debug too, without .NET's text and type name
    /// ("System.IO.DirectoryNotFoundException: Could not find a part of the path"), which --debug printed after it;
    /// only a bug (70) has .NET's detail logged, for its report.</summary>
    [Fact]
    public void AFailedFileOperationIsOneLineAtDebugToo()
    {
        var cli = new CommandLineRoot();
        var verb = new System.CommandLine.Command("boom");
        verb.SetAction(result => File.ReadAllText("/nonexistent-hpcrun/x"));
        cli.Command.Subcommands.Add(verb);
        TextWriter stderr = Console.Error;
        var said = new StringWriter();
        Console.SetError(said);
        int status;
        try { status = cli.Invoke(["--debug", "boom"]); }
        finally { Console.SetError(stderr); }
        Assert.Equal(71, status);
        string line = Assert.Single(said.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith(" ERR /nonexistent-hpcrun/x: no such file or directory", line);
    }

    private static (int, string) Said(Action action)
    {
        var error = Assert.Throws<HpcRunException>(() => ImageVerbs.Run(action));
        return ((int)error.Code, error.Message);
    }

    private static void AssertNoDotnetText(string kind, Exception e, string message)
    {
        Assert.False(message.Contains(e.Message, StringComparison.Ordinal), $"{kind}: {message}");
        foreach (string dotnet in (string[])["Exception", "System.", "Object reference", "Could not", "Access to",
                     "Parameter", "'"])
            Assert.False(message.Contains(dotnet, StringComparison.Ordinal), $"{kind}: {message}");
    }
}
