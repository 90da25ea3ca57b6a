using HpcRun.Doctor;
using HpcRun.Mpi;

namespace HpcRun.Gpu.Tests;

/// <summary>`hpcrun doctor`'s GPU lines on the fake hosts.</summary>
public sealed class DoctorTests : IDisposable
{
    private readonly FakeGpuHost fake = new(nvidia: true, amd: true);

    private DoctorHost Host(GpuHost? gpu = null) => new()
    {
        Environment = new Dictionary<string, string>(),
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

    public void Dispose() => fake.Dispose();
}
