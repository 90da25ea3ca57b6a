using HpcRun.HostLibraries;

namespace HpcRun.Rdma.Tests;

public class PlannerTests : IDisposable
{
    private const string Lib = "/usr/lib/x86_64-linux-gnu";
    private static readonly ImageGlibc Glibc236 = new(new GlibcVersion(2, 36), "/lib/x86_64-linux-gnu/libc.so.6");
    private readonly FakeRdmaHost fake = new();

    /// <param name="imageFiles">Paths the image has.</param>
    private RdmaPlan Plan(string selection, RdmaLibraries libraries = RdmaLibraries.Auto, string[]? imageFiles = null,
        RdmaHost? host = null, ImageGlibc? glibc = null, bool noGlibc = false) =>
        RdmaPlanner.Plan(host ?? fake.Read(), RdmaSelection.Parse(selection), libraries, (imageFiles ?? []).Contains,
            () => noGlibc ? null : glibc ?? Glibc236);

    private string H(string path) => fake.HostPath(path);

    [Fact]
    public void AutoPassesEveryDeviceNodeReadWriteAndTheHostProviderStack()
    {
        RdmaPlan plan = Plan("auto");

        Assert.Equal(
        [
            RdmaMount.Hide("/dev/infiniband"),
            new("/dev/infiniband/uverbs0", H("/dev/infiniband/uverbs0")),
            new("/dev/infiniband/umad0", H("/dev/infiniband/umad0")),
            new("/dev/infiniband/issm0", H("/dev/infiniband/issm0")),
            new("/dev/infiniband/uverbs1", H("/dev/infiniband/uverbs1")),
            new("/dev/infiniband/umad1", H("/dev/infiniband/umad1")),
            new("/dev/infiniband/uverbs2", H("/dev/infiniband/uverbs2")),
            new("/dev/infiniband/rdma_cm", H("/dev/infiniband/rdma_cm")),
            new("/etc/libibverbs.d", H("/etc/libibverbs.d"), ReadOnly: true),
            new("/opt/hpcrun/rdma/lib/libibverbs.so.1", H($"{Lib}/libibverbs.so.1"), ReadOnly: true),
            new("/opt/hpcrun/rdma/lib/librdmacm.so.1", H($"{Lib}/librdmacm.so.1"), ReadOnly: true),
            new("/opt/hpcrun/rdma/lib/libmlx5.so.1", H($"{Lib}/libmlx5.so.1"), ReadOnly: true),
            new("/opt/hpcrun/rdma/lib/libmlx5-rdmav34.so", H($"{Lib}/libibverbs/libmlx5-rdmav34.so"), ReadOnly: true),
        ], plan.Mounts);
        Assert.Equal(RdmaPlanner.LibraryDir, plan.LibraryPath);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void NamedDevicesAreTheOnlyOnesInDevAndSysfs()
    {
        RdmaPlan plan = Plan("mlx5_1");

        Assert.Equal(
        [
            RdmaMount.Hide("/dev/infiniband"),
            new("/dev/infiniband/uverbs1", H("/dev/infiniband/uverbs1")),
            new("/dev/infiniband/umad1", H("/dev/infiniband/umad1")),
            new("/dev/infiniband/rdma_cm", H("/dev/infiniband/rdma_cm")),
            RdmaMount.Hide("/sys/class/infiniband"),
            new("/sys/class/infiniband/mlx5_1", H("/sys/class/infiniband/mlx5_1"), ReadOnly: true),
            RdmaMount.Hide("/sys/class/infiniband_verbs"),
            new("/sys/class/infiniband_verbs/abi_version", H("/sys/class/infiniband_verbs/abi_version"),
                ReadOnly: true),
            new("/sys/class/infiniband_verbs/uverbs1", H("/sys/class/infiniband_verbs/uverbs1"), ReadOnly: true),
            RdmaMount.Hide("/sys/class/infiniband_mad"),
            new("/sys/class/infiniband_mad/abi_version", H("/sys/class/infiniband_mad/abi_version"), ReadOnly: true),
            new("/sys/class/infiniband_mad/umad1", H("/sys/class/infiniband_mad/umad1"), ReadOnly: true),
        ], plan.Mounts.Take(12));
    }

    [Fact]
    public void NoneHidesEverythingAndAddsNoLibraries()
    {
        RdmaPlan plan = Plan("none", host: fake.Read(memlock: 65536));

        Assert.Equal([RdmaMount.Hide("/dev/infiniband"), RdmaMount.Hide("/sys/class/infiniband"),
            RdmaMount.Hide("/sys/class/infiniband_verbs"),
            new("/sys/class/infiniband_verbs/abi_version", H("/sys/class/infiniband_verbs/abi_version"),
                ReadOnly: true),
            RdmaMount.Hide("/sys/class/infiniband_mad"),
            new("/sys/class/infiniband_mad/abi_version", H("/sys/class/infiniband_mad/abi_version"), ReadOnly: true)],
            plan.Mounts);
        Assert.Null(plan.LibraryPath);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void AbiVersionFilesAreBoundOnlyWhereTheHostHasThem()
    {
        const string mad = "/sys/class/infiniband_mad/abi_version";
        RdmaHost host = fake.Read() with { AbiVersionFiles = new HashSet<string> { mad } };

        IEnumerable<string> targets = Plan("none", host: host).Mounts.Select(m => m.Target);
        Assert.Equal([mad], targets.Where(t => t.EndsWith("/abi_version")));
    }

    [Fact]
    public void AnUnknownDeviceIsAnErrorThatListsTheAvailableOnes()
    {
        var error = Assert.Throws<RdmaDeviceNotFoundException>(() => Plan("mlx5_0,mlx5_9"));
        Assert.Equal("RDMA device mlx5_9 not found (available: mlx5_0, mlx5_1, rocep1s0)", error.Message);
    }

    [Fact]
    public void AHostWithoutRdmaGetsNothing()
    {
        RdmaPlan plan = Plan("auto", host: new RdmaHost());
        Assert.Empty(plan.Mounts);
        Assert.Null(plan.LibraryPath);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void AnImageWithItsOwnProviderConfigKeepsItsStackUnlessHostIsAsked()
    {
        string[] image = ["/etc/libibverbs.d"];

        Assert.DoesNotContain(Plan("auto", imageFiles: image).Mounts,
            m => m.Target.StartsWith("/etc/") || m.Target.StartsWith(RdmaPlanner.LibraryDir));
        Assert.Contains(Plan("auto", RdmaLibraries.Host, image).Mounts, m => m.Target == "/etc/libibverbs.d");
        Assert.DoesNotContain(Plan("auto", RdmaLibraries.Image).Mounts, m => m.Target == "/etc/libibverbs.d");
    }

    [Fact]
    public void HostLibrariesNeedingANewerGlibcThanTheImageHasAreLeftOut()
    {
        RdmaPlan plan = Plan("auto", glibc: new ImageGlibc(new GlibcVersion(2, 17), "/lib64/libc.so.6"));

        Assert.Null(plan.LibraryPath);
        Assert.DoesNotContain(plan.Mounts, m => m.Target.StartsWith(RdmaPlanner.LibraryDir));
        Assert.Contains(plan.Mounts, m => m.Target == "/etc/libibverbs.d");
        Assert.Contains("needs glibc 2.34 but the image's is 2.17", Assert.Single(plan.Warnings));
    }

    [Fact]
    public void AnImageWithoutGlibcGetsNoHostLibraries()
    {
        RdmaPlan plan = Plan("auto", noGlibc: true);

        Assert.Null(plan.LibraryPath);
        Assert.Contains("no glibc", Assert.Single(plan.Warnings));
    }

    [Fact]
    public void ALowMemlockLimitIsWarnedAboutWhenDevicesArePassed()
    {
        RdmaPlan plan = Plan("mlx5_0", host: fake.Read(memlock: 8L << 20));
        Assert.Contains("locked memory is limited to 8 MiB", Assert.Single(plan.Warnings));
    }

    [Fact]
    public void WithoutDevInfinibandOnTheRealHostNothingIsMountedThere()
    {
        RdmaPlan plan = Plan("auto", host: fake.Read() with { VisibleDirs = new HashSet<string>() });

        Assert.DoesNotContain(plan.Mounts, m => m.Target.StartsWith("/dev/"));
        Assert.Contains("no /dev/infiniband", Assert.Single(plan.Warnings));
    }

    public void Dispose() => fake.Dispose();
}
