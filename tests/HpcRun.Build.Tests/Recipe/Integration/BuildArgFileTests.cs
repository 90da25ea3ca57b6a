using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A --build-arg-file that cannot be read is said as an --env-file's is, with why and status 73: it was
/// "cannot read it" alone, 64, which the README's table did not list.</summary>
public sealed class BuildArgFileTests : IDisposable
{
    private readonly RecipeWorkspace work = new("build-arg-file");

    public BuildArgFileTests() => work.Write("Dockerfile", $"FROM {TestImages.BusyboxSquashFs}\nARG V\n");

    public void Dispose() => work.Dispose();

    [Theory]
    [InlineData("nonexist.txt", "No such file or directory")]
    [InlineData("closed.txt", "Permission denied")]
    [InlineData(".", "not a regular file")]
    public void An_unreadable_build_arg_file_says_why_with_73(string file, string why)
    {
        string closed = work.Write("closed.txt", "V=1\n");
        File.SetUnixFileMode(closed, UnixFileMode.None); // root's: the test user may not read it
        var build = work.Build("--build-arg-file", file, "out.sif", "Dockerfile");
        Assert.Equal((73, $"hpcrun: --build-arg-file {file}: cannot read it: {why}\n"), (build.ExitCode, build.Stderr));
        work.AssertOnly();
    }
}
