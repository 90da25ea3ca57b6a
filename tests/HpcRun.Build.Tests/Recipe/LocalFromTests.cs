using HpcRun.Build.Recipe;
using HpcRun.Image.Posix;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>A FROM that names no file in the current directory: a registry reference, unless it looks like a local
/// file; then one line says so and no registry is asked.</summary>
public sealed class LocalFromTests : IDisposable
{
    private readonly string context = Directory.CreateTempSubdirectory("hpcrun-from-").FullName;

    public void Dispose() => Directory.Delete(context, recursive: true);

    [Theory]
    [InlineData("debian:bookworm")]
    [InlineData("ghcr.io/owner/image:1")]
    [InlineData("library/debian")]
    public void A_registry_reference_is_one(string from) => Assert.Null(BaseImage.LooksLocal(from, context));

    [Theory]
    [InlineData("base.sif")]
    [InlineData("base.SQFS")]
    [InlineData("rootfs.squashfs")]
    [InlineData("saved.tar")]
    [InlineData("saved.tar.gz")]
    [InlineData("images/base")]
    public void A_name_like_an_image_file_or_under_a_directory_of_the_context_is_local(string from)
    {
        Directory.CreateDirectory(Path.Combine(context, "images"));
        Assert.Equal("", BaseImage.LooksLocal(from, context));
    }

    [Fact]
    public void A_file_in_the_context_is_named_with_the_path_to_give_and_no_registry_is_asked()
    {
        File.WriteAllText(Path.Combine(context, "base"), "");
        Assert.Equal($"; the build context has it: give {Path.GetRelativePath(".", Path.Combine(context, "base"))} " +
            "or an absolute path", BaseImage.LooksLocal("base", context));
        var request = new RecipeRequest("out.sif", "Dockerfile", context, new Dictionary<string, string>(), false,
            false, false, null, null, null, "hpcrun", "0",
            (_, _, _, _) => throw new InvalidOperationException("pulled"));
        var e = Assert.Throws<MissingFileException>(() =>
            BaseImage.Resolve("base", "FROM base", null, request, new PlainReporter(TextWriter.Null), default));
        Assert.Throws<InvalidOperationException>(() => BaseImage.Resolve("docker://base.sif", "From: base.sif",
            null, request, new PlainReporter(TextWriter.Null), default));
        Assert.StartsWith($"FROM base: no such file in the current directory {Directory.GetCurrentDirectory()} " +
            "(a local FROM is relative to it); the build context has it: give ", e.Message);
    }
}
