using HpcRun.Build;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>The quick look hpcrun takes at its arguments to start serving an image early.</summary>
public sealed class ImageSourceTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public void SquashFsAndSifFilesLookLikeImages()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "hello"), "hi");
        string sqfs = sandbox.File("a.sqfs");
        TestEnvironment.RunChecked("mksquashfs", tree, sqfs, "-noappend", "-quiet", "-no-progress");
        Assert.True(ImageSource.LooksLikeImageFile(sqfs));
        string sif = sandbox.File("a.sif");
        ImageBuilder.Build(new BuildRequest(sif, tree), "test", new RecordingReporter());
        Assert.True(ImageSource.LooksLikeImageFile(sif));
    }

    [Fact]
    public void OtherArgumentsDoNot()
    {
        string text = sandbox.File("notes.sqfs");
        File.WriteAllText(text, "hsq"); // shorter than a magic
        Assert.False(ImageSource.LooksLikeImageFile(text));
        Assert.False(ImageSource.LooksLikeImageFile("/etc/passwd"));
        Assert.False(ImageSource.LooksLikeImageFile(sandbox.Path)); // a directory image needs no server
        Assert.False(ImageSource.LooksLikeImageFile("/no/such/file"));
        Assert.False(ImageSource.LooksLikeImageFile("--writable-tmpfs"));
    }
}
