using HpcRun.Image.Registry;

namespace HpcRun.Image.Tests;

/// <summary>The cache's reference files (<see cref="ImageCache.ReferencePath"/>, <see cref="ImageCache.Find"/>): a
/// file's name only says where to look; the reference and platform written in it decide whose image it is.</summary>
public sealed class ImageCacheReferenceTests : IDisposable
{
    private const string Manifest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private readonly string root = Directory.CreateTempSubdirectory("hpcrun-cache-test").FullName;
    private readonly ImageCache cache;

    public ImageCacheReferenceTests()
    {
        cache = new ImageCache(root);
        Directory.CreateDirectory(cache.ReferenceDirectory);
        Directory.CreateDirectory(cache.ImageDirectory);
        File.WriteAllText(cache.ImagePath(Manifest), "sif");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string path, string reference, string platform) =>
        File.WriteAllText(path, new CachedReference(Manifest, Manifest, reference, platform).Format());

    [Fact]
    public void Each_reference_and_platform_has_a_name_of_its_own_that_stays_the_same()
    {
        var reference = ImageReference.Parse("registry.example.org/group/analysis:2.1");
        string[] names =
        [
            cache.ReferencePath(reference, "linux/amd64"),
            cache.ReferencePath(reference, "linux/arm64"),
            cache.ReferencePath(ImageReference.Parse("registry.example.org/group/analysis:2.2"), "linux/amd64"),
        ];
        Assert.Equal(3, names.Distinct().Count());
        Assert.Equal(names[0], new ImageCache(root).ReferencePath(ImageReference.Parse(reference.ToString()),
            "linux/amd64"));
        Assert.All(names, n => Assert.Matches($"^{root}/refs/[0-9a-f]{{32}}$", n));
    }

    [Fact]
    public void A_reference_file_finds_its_own_image()
    {
        var reference = ImageReference.Parse("127.0.0.1:5000/group/analysis:2.1");
        Write(cache.ReferencePath(reference, "linux/amd64"), reference.ToString(), "linux/amd64");
        Assert.Equal(cache.ImagePath(Manifest), cache.Find(reference, "linux/amd64"));
        Assert.Equal(Manifest, cache.ReadReference(reference, "linux/amd64")?.ManifestDigest);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/group/other:1", "linux/amd64")] // another reference, as if its name collided
    [InlineData("127.0.0.1:5000/group/analysis:2.1", "linux/arm64")] // the same reference, another platform
    public void A_reference_file_that_names_another_reference_or_platform_is_not_taken(string written,
        string platform)
    {
        var reference = ImageReference.Parse("127.0.0.1:5000/group/analysis:2.1");
        Write(cache.ReferencePath(reference, "linux/amd64"), ImageReference.Parse(written).ToString(), platform);
        Assert.Null(cache.ReadReference(reference, "linux/amd64"));
        Assert.Null(cache.Find(reference, "linux/amd64"));
    }
}
