using HpcRun.HostLibraries;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Tests.Launch;

/// <summary>Host MPI and RDMA injection both check the image's glibc: one launch reads it once.</summary>
public class ImageLibrariesTests
{
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6", Cache = "/etc/ld.so.cache";

    [Fact]
    public void TheImagesLibcIsReadOnceWhenHostMpiAndRdmaBothBringLibraries()
    {
        byte[] libc = File.ReadAllBytes(Libc);
        var reads = new List<string>();
        var tree = new ImageTree(p => p is Libc or "/bin/sh", _ => null,
            p => { reads.Add(p); return p == Libc ? libc : null; }, p => p is Libc or "/bin/sh" ? p : null);
        var mpich = new MpiLibrary("libmpich.so.12", "/usr/lib/libmpich.so.12", "/usr/lib/libmpich.so.12.2.2");
        const string verbs = "/usr/lib/libibverbs.so.1";
        HostFacts host = PlanFixture.Host() with
        {
            Mpi = new HostMpi([new HostMpiStack(new MpiInstallation(MpiFamily.MpichAbi, mpich, [mpich]), [],
                new GlibcNeed(new GlibcVersion(2, 17), mpich.RealPath), [])], []),
            Rdma = new RdmaHost
            {
                Devices = [new RdmaDevice("mlx5_0", [], [])],
                Libraries = new HostVerbsLibraries("/usr/lib", [verbs], [],
                    new GlibcNeed(new GlibcVersion(2, 17), verbs)),
            },
        };
        var context = new LaunchContext(new LaunchRequest { Image = "/images/app.sqfs", Mpi = MpiMode.Host },
            new ImageSource("/images/app.sqfs", ImageKind.SquashFs), ImageConfig.Empty, tree, host);

        ContainerPlan plan = Planner.Decide(context);

        // Both parts checked the glibc and added their libraries.
        Assert.Contains(plan.Mounts, m => m.Target == $"{MpiInjection.LibraryDirectory}/libmpich.so.12");
        Assert.Contains(plan.Mounts, m => m.Target == $"{RdmaPlanner.LibraryDir}/libibverbs.so.1");
        Assert.Single(reads, p => p == Libc);
        Assert.Single(reads, p => p == Cache);
    }
}
