using HpcRun.HostLibraries;

namespace HpcRun.Mpi.Tests;

public class CompatibilityTests
{
    private static MpiInstallation Mpi(MpiFamily family, string realName)
    {
        LibraryVersion version = LibraryVersion.FromFileName(realName)!;
        var core = new MpiLibrary(version.Soname, "/lib/" + version.Soname, "/lib/" + realName);
        return new MpiInstallation(family, core, [core]);
    }

    private static readonly MpiInstallation HostMpich = Mpi(MpiFamily.MpichAbi, "libmpich.so.12.2.2");

    [Theory]
    [InlineData(MpiCompatibility.Major, "libmpich.so.12.1.0", true)]
    [InlineData(MpiCompatibility.Major, "libmpich.so.12.5.0", true)]   // older host minor: only a warning
    [InlineData(MpiCompatibility.Full, "libmpich.so.12.1.0", true)]
    [InlineData(MpiCompatibility.Full, "libmpich.so.12.2.9", true)]    // patch does not matter
    [InlineData(MpiCompatibility.Full, "libmpich.so.12.5.0", false)]
    [InlineData(MpiCompatibility.Strict, "libmpich.so.12.2.2", true)]
    [InlineData(MpiCompatibility.Strict, "libmpich.so.12.2.1", false)]
    [InlineData(MpiCompatibility.Major, "libmpich.so.13.0.0", false)]
    public void AppliesTheLevel(MpiCompatibility level, string image, bool compatible) =>
        Assert.Equal(compatible, AbiCheck.Check(HostMpich, Mpi(MpiFamily.MpichAbi, image), level).Compatible);

    [Fact]
    public void WarnsWhenTheHostIsOlder() =>
        Assert.Contains("older", Assert.Single(
            AbiCheck.Check(HostMpich, Mpi(MpiFamily.MpichAbi, "libmpich.so.12.5.0"), MpiCompatibility.Major).Warnings));

    [Fact]
    public void RefusesAnotherFamilyNamingBothLibrariesAndVersions()
    {
        string refusal = AbiCheck.Check(HostMpich, Mpi(MpiFamily.OpenMpi, "libmpi.so.40.30.4"),
            MpiCompatibility.Major).Refusal!;
        Assert.Equal("host MPI MPICH ABI libmpich.so.12 12.2.2 (/lib/libmpich.so.12.2.2) cannot replace the image's "
            + "Open MPI libmpi.so.40 40.30.4 (/lib/libmpi.so.40.30.4): different MPI ABIs", refusal);
    }

    [Fact]
    public void RefusesAnotherMajor() =>
        Assert.EndsWith("soname major 12 is not 13",
            AbiCheck.Check(HostMpich, Mpi(MpiFamily.MpichAbi, "libmpich.so.13.0.0"), MpiCompatibility.Major).Refusal);

    [Fact]
    public void GlibcOfTheImageMustBeAtLeastWhatHostLibrariesNeed()
    {
        var need = new GlibcNeed(new GlibcVersion(2, 36), "/lib/libmpich.so.12.2.2");
        Assert.Null(AbiCheck.CheckGlibc(need, new ImageGlibc(new GlibcVersion(2, 36), "/lib/libc.so.6")));
        Assert.Equal("host MPI library /lib/libmpich.so.12.2.2 needs glibc 2.36, "
            + "but the image's glibc is 2.17 (/lib/libc.so.6)",
            AbiCheck.CheckGlibc(need, new ImageGlibc(new GlibcVersion(2, 17), "/lib/libc.so.6")));
        Assert.Contains("has no glibc", AbiCheck.CheckGlibc(need, null));
        Assert.Null(AbiCheck.CheckGlibc((GlibcNeed?)null, null));
    }

    /// <summary>The refusal names the library that needs the newer glibc as what it is: one of the host MPI's, or
    /// one they need.</summary>
    [Theory]
    [InlineData("/lib/libmpich.so.12.2.2", "host MPI library /lib/libmpich.so.12.2.2 needs glibc 2.36")]
    [InlineData("/usr/lib/libstdc++.so.6.0.33",
        "host library /usr/lib/libstdc++.so.6.0.33 (needed by the host MPI) needs glibc 2.36")]
    public void The_glibc_refusal_tells_an_MPI_library_from_one_it_needs(string library, string said)
    {
        var stack = new HostMpiStack(HostMpich, [new HostLibrary("libstdc++.so.6", "/usr/lib/libstdc++.so.6.0.33")],
            new GlibcNeed(new GlibcVersion(2, 36), library), []);
        Assert.Equal($"{said}, but the image's glibc is 2.17 (/lib/libc.so.6)",
            AbiCheck.CheckGlibc(stack, new ImageGlibc(new GlibcVersion(2, 17), "/lib/libc.so.6")));
        Assert.Equal($"{said}, but the image has no glibc (libc.so.6) to run it with",
            AbiCheck.CheckGlibc(stack, null));
    }
}
