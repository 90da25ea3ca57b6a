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
}
