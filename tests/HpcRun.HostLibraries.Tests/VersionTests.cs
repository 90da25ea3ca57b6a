namespace HpcRun.HostLibraries.Tests;

public class VersionTests
{
    [Theory]
    [InlineData("/usr/lib/libmpich.so.12.2.2", "libmpich", "12.2.2", "libmpich.so.12")]
    [InlineData("libmpi.so.40", "libmpi", "40", "libmpi.so.40")]
    [InlineData("libmpi_cray.so.12.0.0", "libmpi_cray", "12.0.0", "libmpi_cray.so.12")]
    public void ReadsVersionsFromFileNames(string name, string stem, string version, string soname)
    {
        LibraryVersion parsed = LibraryVersion.FromFileName(name)!;
        Assert.Equal((stem, version, soname), (parsed.Stem, parsed.ToString(), parsed.Soname));
    }

    [Theory]
    [InlineData("libmpi.so")]
    [InlineData("libmpi.so.12.debug")]
    [InlineData("mpi.txt")]
    public void IgnoresUnversionedNames(string name) => Assert.Null(LibraryVersion.FromFileName(name));

    [Fact]
    public void MissingNumbersCountAsZero()
    {
        LibraryVersion version = LibraryVersion.FromFileName("libmpi.so.12")!;
        Assert.Equal((12, 0, 0), (version.Major, version.Minor, version.Patch));
    }

    [Fact]
    public void ComparesGlibcVersionsNumerically()
    {
        Assert.Equal(new GlibcVersion(2, 36),
            GlibcVersion.Max(["GLIBC_2.2.5", "GLIBC_2.36", "GLIBC_2.4", "GLIBC_PRIVATE"]));
        Assert.Null(GlibcVersion.Max(["GLIBC_PRIVATE", "GCC_3.0"]));
    }
}
