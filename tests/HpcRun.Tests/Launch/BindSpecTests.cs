using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class BindSpecTests
{
    [Theory]
    [InlineData("/data", "/data", "/data", false)]
    [InlineData("/data:/in", "/data", "/in", false)]
    [InlineData("/data:/in:ro", "/data", "/in", true)]
    [InlineData("rel/dir:/in//x/:rw", "rel/dir", "/in/x", false)]
    public void Parses(string text, string source, string target, bool readOnly) =>
        Assert.Equal(new BindSpec(source, target, readOnly), BindSpec.Parse(text));

    [Theory]
    [InlineData("/a:/b:rx")]
    [InlineData("/a:b")]
    [InlineData("/a::ro")]
    [InlineData("/a:/b:ro:x")]
    [InlineData("/a:/")]
    [InlineData("/a:/x/..")]
    public void RejectsMalformed(string text) =>
        Assert.Equal(ExitCode.Usage, Assert.Throws<HpcRunException>(() => BindSpec.Parse(text)).Code);

    [Theory]
    [InlineData("/a:b", "bad bind '/a:b': the destination must be an absolute path")]
    [InlineData("data", "bad bind 'data': without a destination the source is also the destination, which must be an "
        + "absolute path")]
    public void ARelativeDestinationSaysWhereItCameFrom(string text, string message) =>
        Assert.Equal(message, Assert.Throws<HpcRunException>(() => BindSpec.Parse(text)).Message);

    [Fact]
    public void DotDotCannotClimbAboveRoot() => Assert.Equal("/etc", PathText.Normalize("/../../etc/."));
}
