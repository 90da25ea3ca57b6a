using HpcRun.Doctor;
using HpcRun.Launch;
using HpcRun.Mpi;

namespace HpcRun.Gpu.Tests;

/// <summary>`hpcrun doctor`'s GPU lines on the fake hosts.</summary>
public sealed class DoctorTests : IDisposable
{
    private readonly FakeGpuHost fake = new(nvidia: true, amd: true);

    private DoctorHost Host(GpuHost? gpu = null, Dictionary<string, string>? env = null) => new()
    {
        Environment = env ?? [],
        UnshareErrno = 0,
        SquashFuseError = null,
        Rdma = new Rdma.RdmaHost(),
        Mpi = new HostMpi([], []),
        Gpu = gpu ?? fake.Read(),
    };

    [Fact]
    public void TheDriverEachGpuAndTheAmdNodesAreReported()
    {
        Assert.Equal(
        [
            $"OK    gpu nvidia: driver {FakeGpuHost.Version}, 2 GPU(s), 4 libraries",
            $"OK    gpu nvidia:0: NVIDIA H200, {FakeGpuHost.Uuids[0]}, {FakeGpuHost.BusIds[0]}, /dev/nvidia0",
            $"OK    gpu nvidia:1: NVIDIA H200, {FakeGpuHost.Uuids[1]}, {FakeGpuHost.BusIds[1]}, /dev/nvidia1",
            "OK    gpu amd: driver of the kernel, 2 GPU(s) (renderD128 renderD129), 2 driver libraries",
        ], GpuChecks.All(Host()).Select(c => c.ToString()));
    }

    [Fact]
    public void ADanglingLibraryAModuleThatDoesNotMatchAndAMissingUvmAreFound()
    {
        fake.Write("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  575.51.03  x\n");
        fake.Delete("/dev/nvidia-uvm");
        CheckResult[] checks = [.. GpuChecks.All(Host())];
        Assert.Equal(CheckStatus.WARN, checks[0].Status);
        Assert.StartsWith($"the kernel module is 575.51.03 but libcuda is {FakeGpuHost.Version}", checks[0].Detail);
        Assert.Equal(("gpu nvidia-uvm", CheckStatus.WARN), (checks[1].Name, checks[1].Status));

        fake.Delete($"{FakeGpuHost.NvidiaLib}/libcuda.so.{FakeGpuHost.Version}");
        CheckResult broken = GpuChecks.All(Host()).First();
        Assert.Equal(CheckStatus.FAIL, broken.Status);
        Assert.StartsWith($"{FakeGpuHost.NvidiaLib}/libcuda.so.1 is a dangling link", broken.Detail);
    }

    [Fact]
    public void AnImageIsTriedWithTheGpusOnlyWhereThereAreSome()
    {
        CheckResult failed =
            Assert.Single(GpuChecks.Image(Host(), "/img.sif", _ => new LaunchFailure(87, "hpcrun: too old")));
        Assert.Equal((CheckStatus.FAIL, "/img.sif cannot use the GPUs: exit 87: hpcrun: too old"),
            (failed.Status, failed.Detail));
        Assert.Empty(GpuChecks.Image(Host(GpuHost.Nothing), "/img.sif", _ => throw new InvalidOperationException()));
        Assert.Equal("OK    gpu: no GPUs (no /dev/nvidiactl, no /dev/kfd)",
            Assert.Single(GpuChecks.All(Host(GpuHost.Nothing))).ToString());
    }

    /// <summary>The GPUs that a variable or the site configuration chooses for every launch without --gpu, chosen and
    /// checked as the launch does: a FAIL with its line and status where it stops, a WARN with its warnings where it
    /// goes on, an OK naming where they came from; no line where nothing chose them.</summary>
    [Fact]
    public void TheGpusAVariableOrTheSiteChoosesAreCheckedAsTheLaunchChoosesThem()
    {
        CheckResult? Selection(Dictionary<string, string> env, string site = "", GpuHost? gpu = null) =>
            SettingChecks.Gpu(Host(gpu, env) with
            {
                Site = SiteConfig.Parse([new SiteConfigFile("/etc/hpcrun/hpcrun.conf", site)]),
            });

        CheckResult missing = Selection([], "gpu = nvidia:5\n")!;
        Assert.Equal((CheckStatus.FAIL, "GPU nvidia:5 not found (this host has nvidia:0, nvidia:1) (from " +
            "/etc/hpcrun/hpcrun.conf:1)"), (missing.Status, missing.Detail));
        Assert.Contains("(status 85)", missing.Fix);
        Assert.Equal("OK    gpu selection: nvidia:1 (from HPCRUN_GPU), for each launch here that gives no --gpu",
            Selection(new() { ["HPCRUN_GPU"] = "nvidia:1" }, "gpu = nvidia:5\n")!.ToString());
        CheckResult both = Selection(new() { ["APPTAINER_NV"] = "1", ["APPTAINER_ROCM"] = "1" }, gpu: GpuHost.Nothing)!;
        Assert.Equal((CheckStatus.WARN, "APPTAINER_NV and APPTAINER_ROCM cannot be used together: only APPTAINER_NV " +
            "is applied; APPTAINER_NV: no NVIDIA GPU on this host (no /dev/nvidiactl): running without GPUs " +
            "(--gpu=nvidia makes this an error)"), (both.Status, both.Detail));
        Assert.Equal(CheckStatus.FAIL, Selection(new() { ["APPTAINER_NV"] = "yes" })!.Status);
        Assert.Null(Selection([]));
    }

    public void Dispose() => fake.Dispose();
}
