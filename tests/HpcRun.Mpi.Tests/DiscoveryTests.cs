using HpcRun.HostLibraries;

namespace HpcRun.Mpi.Tests;

public class DiscoveryTests
{
    private static IReadOnlyList<MpiInstallation> Find(RootedFiles root) => root.Mpi().Installations;

    [Fact]
    public void FindsMpichWithItsBindingsAndRealVersion()
    {
        MpiInstallation mpich = Assert.Single(Find(Fixtures.MpichImage));
        Assert.Equal(MpiFamily.MpichAbi, mpich.Family);
        Assert.Equal(("libmpich.so.12", "/lib/libmpich.so.12.1.0", "12.1.0"),
            (mpich.Core.Soname, mpich.Core.RealPath, mpich.Core.Version.ToString()));
        Assert.Equal(["libmpich.so.12", "libmpifort.so.12"], mpich.Libraries.Select(l => l.Soname).Order());
    }

    [Fact]
    public void LibmpiSo12WithoutOpenMpiRuntimeIsTheMpichAbi() =>
        Assert.Equal(MpiFamily.MpichAbi, Assert.Single(Find(Fixtures.NewerMpichImage)).Family);

    [Fact]
    public void LibmpiNeedingOpenPalIsOpenMpi()
    {
        Assert.Equal(MpiFamily.OpenMpi, Assert.Single(Find(Fixtures.OpenMpiImage)).Family);
        Assert.Equal(MpiFamily.OpenMpi, Assert.Single(Find(Fixtures.OldOpenMpiImage)).Family);
    }

    [Fact]
    public void FindsMpiOutsideTheCacheOnTheLibraryPath()
    {
        RootedFiles image = Fixtures.NoMpiImage;
        Assert.Empty(Find(image));
        // The same tree seen with MPICH's /lib on LD_LIBRARY_PATH: the well-known sonames are probed there.
        Assert.Equal("libmpich.so.12", Assert.Single(Fixtures.OldGlibcImage.Mpi("/lib").Installations).Core.Soname);
    }

    [Fact]
    public void HostDiscoveryFollowsDependenciesButNotGlibc()
    {
        RootedFiles host = Fixtures.MpichHost;
        HostMpiStack stack =
            Assert.Single(HostMpiReader.Read(new Dictionary<string, string>(), host, host.LdCache()).Stacks);
        Assert.Equal([new HostLibrary("libdep.so.1", "/lib/libdep.so.1.0.0")], stack.Dependencies);
        Assert.Equal(new GlibcNeed(new GlibcVersion(2, 36), "/lib/libmpich.so.12.2.2"), stack.Glibc);
        Assert.Empty(stack.Unresolved);
    }

    [Fact]
    public void ConfiguredLibrariesReplaceTheCache()
    {
        var environment = new Dictionary<string, string>
        {
            [HostMpiReader.LibsVariable] = "/lib/x86_64-linux-gnu/libmpich.so.12",
        };
        HostMpi host = HostMpiReader.ReadHost(environment);
        Assert.Equal(MpiFamily.MpichAbi, Assert.Single(host.Stacks).Installation.Family);
    }

    [Fact]
    public void FindsBothMpisOfThisHost()
    {
        HostMpi host = HostMpiReader.ReadHost(new Dictionary<string, string>());
        Assert.Equal([MpiFamily.OpenMpi, MpiFamily.MpichAbi], host.Stacks.Select(s => s.Installation.Family).Order());
        HostMpiStack mpich = host.Stacks.Single(s => s.Installation.Family == MpiFamily.MpichAbi);
        Assert.Contains(mpich.Dependencies, d => d.Soname == "libucp.so.0");
        Assert.DoesNotContain(mpich.Dependencies, d => d.Soname == "libc.so.6");
    }
}
