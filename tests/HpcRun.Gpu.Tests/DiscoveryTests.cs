namespace HpcRun.Gpu.Tests;

/// <summary>What <see cref="GpuDiscovery"/> finds on fake driver trees.</summary>
public sealed class DiscoveryTests : IDisposable
{
    private readonly FakeGpuHost fake = new(nvidia: true, amd: true);

    [Fact]
    public void TheNvidiaDriverItsGpusNodesAndFilesAreFound()
    {
        NvidiaHost nvidia = GpuDiscovery.Read(fake.Root).Nvidia!;

        Assert.Equal(FakeGpuHost.Version, nvidia.DriverVersion);
        Assert.Equal([new NvidiaGpu(0, FakeGpuHost.Uuids[0], FakeGpuHost.BusIds[0], "NVIDIA H200"),
            new NvidiaGpu(1, FakeGpuHost.Uuids[1], FakeGpuHost.BusIds[1], "NVIDIA H200")], nvidia.Gpus);
        Assert.Equal(["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-caps"],
            nvidia.ControlNodes);
        Assert.Equal(
        [
            ("libnvidia-ml.so.1", $"{FakeGpuHost.NvidiaLib}/libnvidia-ml.so.{FakeGpuHost.Version}"),
            ("libcuda.so.1", $"{FakeGpuHost.NvidiaLib}/libcuda.so.{FakeGpuHost.Version}"),
            ("libnvidia-ptxjitcompiler.so.1",
                $"{FakeGpuHost.NvidiaLib}/libnvidia-ptxjitcompiler.so.{FakeGpuHost.Version}"),
            ("libnvidia-opencl.so.1", $"{FakeGpuHost.MultiarchLib}/libnvidia-opencl.so.{FakeGpuHost.Version}"),
        ], nvidia.Files.Libraries.Select(l => (l.Soname, l.HostFile)));
        Assert.Equal("2.34", nvidia.Files.Libraries[1].Glibc?.Version.ToString());
        Assert.Equal(["/usr/local/nvidia/bin/nvidia-smi"], nvidia.Files.Programs);
        Assert.Equal(["/etc/OpenCL/vendors/nvidia.icd"], nvidia.Files.ConfigFiles);
        Assert.Empty(nvidia.Files.Broken);
    }

    [Fact]
    public void WithoutTheProcFilesTheVersionComesFromLibcudaAndTheGpusFromDev()
    {
        Directory.Delete(fake.HostPath("/proc"), recursive: true);

        NvidiaHost nvidia = GpuDiscovery.Read(fake.Root).Nvidia!;

        Assert.Equal(FakeGpuHost.Version, nvidia.DriverVersion);
        Assert.Equal([new NvidiaGpu(0), new NvidiaGpu(1)], nvidia.Gpus);
    }

    [Fact]
    public void WithoutAnLdSoCacheTheDriverDirectoriesServe()
    {
        fake.Delete("/etc/ld.so.cache");

        Assert.Equal(["libnvidia-ml.so.1", "libcuda.so.1", "libnvidia-ptxjitcompiler.so.1", "libnvidia-opencl.so.1"],
            GpuDiscovery.Read(fake.Root).Nvidia!.Files.Libraries.Select(l => l.Soname));
    }

    [Fact]
    public void ASonameLinkToAMissingFileIsBroken()
    {
        fake.Delete($"{FakeGpuHost.NvidiaLib}/libcuda.so.{FakeGpuHost.Version}");

        DriverFiles files = GpuDiscovery.Read(fake.Root).Nvidia!.Files;

        Assert.Equal([new BrokenLibrary($"{FakeGpuHost.NvidiaLib}/libcuda.so.1", $"libcuda.so.{FakeGpuHost.Version}")],
            files.Broken);
        Assert.DoesNotContain(files.Libraries, l => l.Soname == "libcuda.so.1");
    }

    [Fact]
    public void TheAmdRenderNodesComeInRocmsOrderWithTheOtherNodesApart()
    {
        AmdHost amd = GpuDiscovery.Read(fake.Root).Amd!;

        Assert.Equal(["/dev/dri/renderD128", "/dev/dri/renderD129"], amd.RenderNodes);
        Assert.Equal(["/dev/dri/card0", "/dev/dri/card1"], amd.OtherNodes);
        Assert.Equal(["libdrm_amdgpu.so.1", "libdrm.so.2"], amd.Files.Libraries.Select(l => l.Soname));
    }

    [Fact]
    public void AHostWithoutControlNodesHasNoGpusAndNothingElseIsRead()
    {
        foreach (string node in new[] { "/dev/nvidiactl", "/dev/kfd" }) fake.Delete(node);
        // A damaged cache is not even looked at.
        fake.Write("/etc/ld.so.cache", "damaged");

        GpuHost host = GpuDiscovery.Read(fake.Root);
        Assert.Null(host.Nvidia);
        Assert.Null(host.Amd);
    }

    [Theory]
    [InlineData("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024", "550.54.15")]
    [InlineData("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build", "580.65.06")]
    [InlineData("no version here", null)]
    public void TheModuleVersionIsTheFirstDottedNumber(string line, string? version) =>
        Assert.Equal(version, GpuDiscovery.ModuleVersion(line + "\nGCC version: 13.3.0"));

    public void Dispose() => fake.Dispose();
}
