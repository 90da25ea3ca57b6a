using HpcRun.Image.Posix;

namespace HpcRun.Image.Tests;

/// <summary>Why a file operation failed, in strerror's words, for messages that name the file themselves.</summary>
public class IoErrorTests
{
    [Fact]
    public void Each_kind_of_failure_is_said_in_strerrors_words()
    {
        Assert.Equal("permission denied", IoError.Describe(new UnauthorizedAccessException("Access to the path")));
        Assert.Equal("no such file or directory", IoError.Describe(new DirectoryNotFoundException("Could not find")));
        Assert.Equal("no space left on device", IoError.Describe(new IOException("No space left", 28)));
        Assert.Equal("not a directory", IoError.Describe(new PosixException("mkdir", Libc.ENOTDIR)));
        Assert.Equal("input/output error", IoError.Describe(new IOException("something")));
        var e = Assert.ThrowsAny<IOException>(() => File.ReadAllText("/etc/passwd/x"));
        Assert.DoesNotContain("path", IoError.Describe(e));
    }

    /// <summary>.NET's own exceptions, as its file operations throw them: the line names the path they failed on,
    /// shown, in strerror's words, and none of .NET's text.</summary>
    public static TheoryData<string, Action, string> Failures => new()
    {
        { "missing file", () => File.ReadAllText("/nonexistent-hpcrun"),
            "/nonexistent-hpcrun: no such file or directory" },
        { "missing directory", () => File.ReadAllText("/nonexistent-hpcrun/x"),
            "/nonexistent-hpcrun/x: no such file or directory" },
        // .NET keeps no errno for ENOTDIR (a DirectoryNotFoundException): a file among the directories says it
        { "not a directory", () => File.ReadAllText("/etc/passwd/x"), "/etc/passwd/x: not a directory" },
        { "not a directory, deeper", () => File.WriteAllText("/etc/passwd/x/y", ""),
            "/etc/passwd/x/y: not a directory" },
        { "not a directory, written", () => File.WriteAllText("/etc/passwd/x", ""), "/etc/passwd/x: not a directory" },
        { "no space", () => File.WriteAllText("/dev/full", "x"), "/dev/full: no space left on device" },
        // .NET says UnauthorizedAccessException ("Access to the path '/tmp' is denied.") for a directory opened
        // as a file, whoever runs it
        { "a directory", () => File.ReadAllText("/tmp"), "/tmp: is a directory" },
        { "control characters", () => File.ReadAllText("/nonexistent-hpcrun\r\u001b[2J"),
            "/nonexistent-hpcrun\\x0D\\x1B[2J: no such file or directory" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_dotnet_failure_is_its_path_and_strerrors_words(string kind, Action fail, string line)
    {
        Exception e = Assert.ThrowsAny<Exception>(fail);
        Assert.True(e is IOException or UnauthorizedAccessException, $"{kind}: {e.GetType()}");
        string message = IoError.Message(e);
        Assert.Equal(line, message);
        Assert.DoesNotContain(e.Message, message);
        foreach (string dotnet in (string[])["Could not", "Access to", "denied.", "Exception", "'"])
            Assert.DoesNotContain(dotnet, message);
    }

    [Fact]
    public void Where_dotnet_names_no_path_the_words_are_alone_and_hpcruns_own_lines_stay()
    {
        Assert.Equal("permission denied",
            IoError.Message(new UnauthorizedAccessException("Access to the path is denied.")));
        Assert.Equal("input/output error", IoError.Message(new IOException("'quoted' but not a path")));
        Assert.Equal("mkdir /x: Not a directory", IoError.Message(new PosixException("mkdir /x", Libc.ENOTDIR)));
        Assert.Equal("image not found: x.sif",
            IoError.Message(new MissingFileException("image not found: x.sif", "x.sif")));
        Assert.Equal("/nonexistent-hpcrun'b: permission denied",
            IoError.Message(new UnauthorizedAccessException("Access to the path '/nonexistent-hpcrun'b' is denied.")));
    }
}
