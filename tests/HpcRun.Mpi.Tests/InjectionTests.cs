namespace HpcRun.Mpi.Tests;

public class InjectionTests
{
    private static HostMpi Host(RootedFiles root) =>
        HostMpiReader.Read(new Dictionary<string, string>(), root, root.LdCache());

    private static MpiInjection Plan(RootedFiles host, RootedFiles image,
        MpiCompatibility level = MpiCompatibility.Major) =>
        MpiInjection.Plan(Host(host), image.Mpi(), level);

    [Fact]
    public void BindsHostMpiOverTheImagesAndIntoTheLibraryDirectory()
    {
        MpiInjection injection = Plan(Fixtures.MpichHost, Fixtures.MpichImage);
        Assert.Null(injection.Refusal);
        Assert.Equal(new[]
        {
            new LibraryBind("/lib/libmpich.so.12.2.2", "/lib/libmpich.so.12.1.0"),
            new LibraryBind("/lib/libmpich.so.12.2.2", "/.hpcrun/mpi/lib/libmpich.so.12"),
            new LibraryBind("/lib/libdep.so.1.0.0", "/.hpcrun/mpi/lib/libdep.so.1"),
            new LibraryBind("/lib/libmpich.so.12.2.2", "/.hpcrun/mpi/lib/libmpi.so.12"),
        }, injection.Binds);
    }

    [Fact]
    public void HostMpichReplacesAnImagesLibmpiSo12()
    {
        MpiInjection injection = Plan(Fixtures.MpichHost, Fixtures.NewerMpichImage);
        Assert.Contains(new LibraryBind("/lib/libmpich.so.12.2.2", "/lib/libmpi.so.12.5.0"), injection.Binds);
        Assert.Contains("older", Assert.Single(injection.Warnings));
        Assert.Contains("(compatibility level full)",
            Plan(Fixtures.MpichHost, Fixtures.NewerMpichImage, MpiCompatibility.Full).Refusal);
    }

    [Fact]
    public void RefusesAnOpenMpiImageOnAnMpichHost()
    {
        MpiInjection injection = Plan(Fixtures.MpichHost, Fixtures.OpenMpiImage);
        Assert.Empty(injection.Binds);
        Assert.Contains("libmpich.so.12 12.2.2", injection.Refusal);
        Assert.Contains("libmpi.so.40 40.30.4", injection.Refusal);
    }

    [Fact]
    public void RefusesAnImageWhoseGlibcIsTooOld() =>
        Assert.Equal("host MPI library /lib/libmpich.so.12.2.2 needs glibc 2.36, "
            + "but the image's glibc is 2.17 (/lib/libc.so.6)",
            Plan(Fixtures.MpichHost, Fixtures.OldGlibcImage).Refusal);

    [Fact]
    public void A_library_the_host_MPI_needs_is_not_called_an_MPI_library() =>
        Assert.Equal("host library /lib/libstdc++.so.6.0.33 (needed by the host MPI) needs glibc 2.36, "
            + "but the image's glibc is 2.17 (/lib/libc.so.6)",
            Plan(Fixtures.MpichNewCxxHost, Fixtures.OldGlibcImage).Refusal);

    [Fact]
    public void InjectsOpenMpiWithItsRuntimeIntoAnOpenMpiImage()
    {
        MpiInjection injection = Plan(Fixtures.OpenMpiHost, Fixtures.OpenMpiImage);
        Assert.Null(injection.Refusal);
        Assert.Contains(new LibraryBind("/lib/libopen-pal.so.40.30.2", "/.hpcrun/mpi/lib/libopen-pal.so.40"),
            injection.Binds);
    }

    [Fact]
    public void AnImageWithoutMpiGetsTheHostsOnTheLibraryPath()
    {
        MpiInjection injection = Plan(Fixtures.MpichHost, Fixtures.NoMpiImage);
        Assert.Null(injection.Refusal);
        Assert.All(injection.Binds, b => Assert.StartsWith(MpiInjection.LibraryDirectory, b.Target));
        Assert.Contains("no MPI library of its own", Assert.Single(injection.Warnings));
    }

    [Fact]
    public void RefusesWhenTheHostHasNoMpi() =>
        Assert.Contains("no MPI library found on the host",
            MpiInjection.Plan(new HostMpi([], []), Fixtures.MpichImage.Mpi(), MpiCompatibility.Major).Refusal);
}
