using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Rdma.Tests;

/// <summary>The adapter between the launch and <see cref="RdmaPlanner"/>: settings, errors, mounts,
/// LD_LIBRARY_PATH.</summary>
public sealed class RdmaPartTests : IDisposable
{
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";
    private readonly FakeRdmaHost fake = new();

    /// <summary>Runs the part on an image holding only this machine's libc, after <paramref name="before"/>.</summary>
    private PlanBuilder Contribute(LaunchRequest? request = null, Dictionary<string, string>? env = null,
        Action<PlanBuilder>? before = null, RdmaHost? rdma = null)
    {
        var host = new HostFacts
        {
            Environment = env ?? [],
            Uid = 1001,
            Gid = 100,
            PasswdLine = "alice:x:1001:100::/home/alice:/bin/sh",
            GroupLine = "users:x:100:",
            Home = "/home/alice",
            Cwd = "/home/alice",
            Rdma = rdma ?? fake.Read(),
        };
        var tree = new ImageTree(p => p == Libc, _ => null, p => p == Libc ? File.ReadAllBytes(Libc) : null,
            p => p == Libc ? p : null);
        var context = new LaunchContext(request ?? new LaunchRequest { Image = "/app.sqfs" },
            new ImageSource("/app.sqfs", ImageKind.SquashFs),
            ImageConfig.Empty, tree, host);
        var plan = new PlanBuilder();
        before?.Invoke(plan);
        new RdmaPart().Contribute(context, plan);
        return plan;
    }

    private static string[] DeviceTargets(PlanBuilder plan) =>
        [.. plan.Mounts.Where(m => m.Target.StartsWith("/dev/infiniband/", StringComparison.Ordinal))
            .Select(m => m.Target)];

    [Fact]
    public void TheCommandLineBeatsTheEnvironment()
    {
        PlanBuilder plan = Contribute(new LaunchRequest { Image = "/app.sqfs", Rdma = RdmaSelection.Parse("rocep1s0") },
            new() { ["HPCRUN_RDMA"] = "none" });
        Assert.Equal(["/dev/infiniband/uverbs2", "/dev/infiniband/rdma_cm"], DeviceTargets(plan));
    }

    [Fact]
    public void TheEnvironmentSelectsWhenTheCommandLineDoesNot() =>
        Assert.Empty(DeviceTargets(Contribute(env: new() { ["HPCRUN_RDMA"] = "none" })));

    [Fact]
    public void ABadEnvironmentValueIsAUsageError()
    {
        var error = Assert.Throws<HpcRunException>(() => Contribute(env: new() { ["HPCRUN_RDMA_LIBS"] = "mine" }));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith("HPCRUN_RDMA_LIBS: bad RDMA library choice 'mine'", error.Message);
    }

    [Fact]
    public void AnUnknownDeviceHasItsOwnExitStatus() =>
        Assert.Equal(ExitCode.RdmaDeviceNotFound,
            Assert.Throws<HpcRunException>(() => Contribute(env: new() { ["HPCRUN_RDMA"] = "mlx5_9" })).Code);

    [Fact]
    public void HostVerbsLibrariesGoFirstOnTheLibraryPath()
    {
        PlanBuilder plan = Contribute(before: p => p.SetEnv("LD_LIBRARY_PATH", "/opt/app/lib"));

        Assert.Equal("/opt/hpcrun/rdma/lib:/opt/app/lib", plan.GetEnv("LD_LIBRARY_PATH"));
        Assert.Contains(plan.Mounts,
            m => m == MountSpec.Bind(fake.HostPath("/etc/libibverbs.d"), "/etc/libibverbs.d", readOnly: true));
    }

    [Fact]
    public void AUserBindOfProviderConfigsCountsAsTheImagesOwn()
    {
        PlanBuilder plan = Contribute(before: p => p.Mount(MountSpec.Bind("/site/verbs.d", "/etc/libibverbs.d")));

        Assert.Single(plan.Mounts, m => m.Target == "/etc/libibverbs.d");
        Assert.Null(plan.GetEnv("LD_LIBRARY_PATH"));
    }

    [Fact]
    public void ThePlannersWarningsGoIntoThePlanOnEveryRank()
    {
        var request = new LaunchRequest { Image = "/app.sqfs", Rdma = RdmaSelection.Parse("mlx5_0") };
        PlanBuilder plan = Contribute(request, new() { ["SLURM_PROCID"] = "3" }, rdma: fake.Read(memlock: 8L << 20));

        PlanMessage message = Assert.Single(plan.Messages);
        Assert.Equal(MessageLevel.Warning, message.Level);
        Assert.Contains("locked memory is limited to 8 MiB", message.Text);
    }

    public void Dispose() => fake.Dispose();
}
