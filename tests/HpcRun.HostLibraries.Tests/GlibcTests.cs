namespace HpcRun.HostLibraries.Tests;

public class GlibcTests
{
    [Fact]
    public void ReadsTheImagesCacheAndGlibc()
    {
        ImageLibraries image = ImageLibraries.Read(Fixtures.Image);
        Assert.Contains(KeyValuePair.Create("libc.so.6", "/lib/libc.so.6"), image.Cache);
        Assert.Equal(new ImageGlibc(new GlibcVersion(2, 40), "/lib/libc.so.6"), image.Glibc);
    }

    [Fact]
    public void WithoutACacheTheUsualLibcPathsAreLookedAt()
    {
        ImageLibraries image = ImageLibraries.Read(Fixtures.NoCacheImage);
        Assert.Empty(image.Cache);
        Assert.Equal(new ImageGlibc(new GlibcVersion(2, 17), "/lib/libc.so.6"), image.Glibc);
    }

    [Fact]
    public void AnImageWithoutLibcHasNoGlibc()
    {
        string empty = Directory.CreateTempSubdirectory().FullName;
        try
        {
            ImageLibraries image = ImageLibraries.Read(new RootedFiles(empty));
            Assert.Empty(image.Cache);
            Assert.Null(image.Glibc);
        }
        finally { Directory.Delete(empty); }
    }

    [Fact]
    public void ALibraryNeedsTheNewestGlibcVersionItNames()
    {
        RootedFiles image = Fixtures.Image;
        string app = image.Canonical("/lib/libapp.so.2")!;
        Assert.Equal(new GlibcNeed(new GlibcVersion(2, 36), app), GlibcNeed.Of(ElfFile.Parse(image.Read(app)!), app));
        // The fixture's libc is built without glibc (-nostdlib): it needs no version of it.
        Assert.Null(GlibcNeed.Of(ElfFile.Parse(image.Read("/lib/libc.so.6")!), "/lib/libc.so.6"));
    }
}
