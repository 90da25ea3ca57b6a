using HpcRun.HostLibraries;

namespace HpcRun.Gpu.Tests;

/// <summary><see cref="GpuPlanner"/> on the fake hosts' discovered facts, against images given as values.</summary>
public sealed class PlannerTests : IDisposable
{
    private const string Lib = GpuPlanner.LibraryDir, V = FakeGpuHost.Version;
    private static readonly ImageGlibc Glibc236 = new(new GlibcVersion(2, 36), "/lib/x86_64-linux-gnu/libc.so.6");
    private readonly FakeGpuHost fake = new(nvidia: true, amd: true);

    private static GpuImage Image(ImageGlibc? glibc = null, Dictionary<string, string>? canonical = null,
        params string[] libraries) =>
        new(() => glibc, p => canonical?.GetValueOrDefault(p), libraries.Contains);

    private GpuPlan Plan(string selection, GpuImage? image = null, Dictionary<string, string>? env = null,
        GpuHost? host = null) =>
        GpuPlanner.Plan(host ?? fake.Read(), GpuSelection.Parse(selection), env ?? [], image ?? Image(Glibc236));

    private string Host(string path) => fake.HostPath(path);

    [Fact]
    public void NvidiaBindsItsNodesOntoThemselvesAndItsLibrariesByFileNameAndSoname()
    {
        GpuPlan plan = Plan("nvidia");

        Assert.Equal(
        [
            GpuMount.Bind(Host("/dev/nvidiactl"), "/dev/nvidiactl"),
            GpuMount.Bind(Host("/dev/nvidia-uvm"), "/dev/nvidia-uvm"),
            GpuMount.Bind(Host("/dev/nvidia-uvm-tools"), "/dev/nvidia-uvm-tools"),
            GpuMount.Bind(Host("/dev/nvidia-caps"), "/dev/nvidia-caps"),
            GpuMount.Bind(Host("/dev/nvidia0"), "/dev/nvidia0"),
            GpuMount.Bind(Host("/dev/nvidia1"), "/dev/nvidia1"),
            .. new[] { "libnvidia-ml", "libcuda", "libnvidia-ptxjitcompiler" }.SelectMany(stem => new[]
            {
                GpuMount.Bind(Host($"{FakeGpuHost.NvidiaLib}/{stem}.so.{V}"), $"{Lib}/{stem}.so.{V}", readOnly: true),
                GpuMount.Bind(Host($"{FakeGpuHost.NvidiaLib}/{stem}.so.{V}"), $"{Lib}/{stem}.so.1", readOnly: true),
            }),
            GpuMount.Bind(Host($"{FakeGpuHost.MultiarchLib}/libnvidia-opencl.so.{V}"), $"{Lib}/libnvidia-opencl.so.{V}",
                readOnly: true),
            GpuMount.Bind(Host($"{FakeGpuHost.MultiarchLib}/libnvidia-opencl.so.{V}"), $"{Lib}/libnvidia-opencl.so.1",
                readOnly: true),
            GpuMount.Bind(Host($"{FakeGpuHost.NvidiaLib}/libcuda.so.{V}"), $"{Lib}/libcuda.so", readOnly: true),
            GpuMount.Bind(Host("/usr/local/nvidia/bin/nvidia-smi"), "/usr/bin/nvidia-smi", readOnly: true),
            GpuMount.Bind(Host("/etc/OpenCL/vendors/nvidia.icd"), "/etc/OpenCL/vendors/nvidia.icd", readOnly: true),
        ], plan.Mounts);
        Assert.Equal(Lib, plan.LibraryPath);
        Assert.Empty(plan.Environment);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void IndicesBlankTheOtherGpusHideTheirProcEntriesAndNameTheChosenByUuid()
    {
        GpuPlan plan = Plan("nvidia:1");

        Assert.Contains(new GpuMount(GpuMountKind.Blank, "/dev/nvidia0"), plan.Mounts);
        Assert.Contains(GpuMount.Bind(Host("/dev/nvidia1"), "/dev/nvidia1"), plan.Mounts);
        string gpus = NvidiaPaths.GpuInfo;
        Assert.Equal([new GpuMount(GpuMountKind.Hide, gpus),
                GpuMount.Bind(Host($"{gpus}/{FakeGpuHost.BusIds[1]}"), $"{gpus}/{FakeGpuHost.BusIds[1]}",
                    readOnly: true)],
            plan.Mounts.Where(m => m.Target.StartsWith(gpus, StringComparison.Ordinal)));
        Assert.Equal([KeyValuePair.Create("CUDA_VISIBLE_DEVICES", FakeGpuHost.Uuids[1])], plan.Environment);
    }

    [Fact]
    public void AnIndexTheHostLacksIsNotFound()
    {
        var error = Assert.Throws<GpuException>(() => Plan("nvidia:1,5"));
        Assert.Equal(GpuFailure.NotFound, error.Failure);
        Assert.Equal("GPU nvidia:5 not found (this host has nvidia:0, nvidia:1)", error.Message);
    }

    [Fact]
    public void AnIndexOutsideTheSlurmStepsGpusIsNotFound()
    {
        var env = new Dictionary<string, string> { ["SLURM_STEP_GPUS"] = "0", ["SLURM_JOB_GPUS"] = "0,1" };
        Assert.Equal("GPU nvidia:1 is not one of this job's GPUs (SLURM_STEP_GPUS=0)",
            Assert.Throws<GpuException>(() => Plan("nvidia:1", env: env)).Message);
        Assert.Equal([KeyValuePair.Create("CUDA_VISIBLE_DEVICES", FakeGpuHost.Uuids[0])],
            Plan("nvidia:0", env: env).Environment);
    }

    [Fact]
    public void UnderSlurmWithoutIndicesEveryGpuIsThereAndTheVariablesAreLeftAlone()
    {
        GpuPlan plan = Plan("auto", env: new() { ["SLURM_STEP_GPUS"] = "1", ["CUDA_VISIBLE_DEVICES"] = "0" });

        Assert.Empty(plan.Environment);
        Assert.DoesNotContain(plan.Mounts, m => m.Kind != GpuMountKind.Bind);
    }

    [Fact]
    public void ADanglingDriverLibraryIsABrokenDriver()
    {
        fake.Delete($"{FakeGpuHost.NvidiaLib}/libcuda.so.{V}");

        var error = Assert.Throws<GpuException>(() => Plan("auto"));
        Assert.Equal(GpuFailure.DriverBroken, error.Failure);
        Assert.Equal($"the NVIDIA driver library {FakeGpuHost.NvidiaLib}/libcuda.so.1 is a dangling link (to " +
            $"libcuda.so.{V}, which does not exist): reinstall the driver's libraries, or give --gpu=none",
            error.Message);
    }

    [Fact]
    public void AnImageWithAnOlderGlibcThanTheDriverNeedsIsRefusedNamingBoth()
    {
        var error = Assert.Throws<GpuException>(() =>
            Plan("auto", Image(new ImageGlibc(new(2, 28), "/lib64/libc.so.6"))));

        Assert.Equal(GpuFailure.ImageIncompatible, error.Failure);
        Assert.Equal(
            $"the NVIDIA driver library {FakeGpuHost.NvidiaLib}/libcuda.so.{V} needs glibc 2.34 but the image's " +
            "/lib64/libc.so.6 is 2.28: use an image with glibc 2.34 or newer, or give --gpu=none", error.Message);
    }

    [Fact]
    public void AnImageWithoutGlibcGetsTheNodesAndAWarningUnderAutoAndIsRefusedWhenAskedByName()
    {
        GpuPlan plan = Plan("auto", Image());

        Assert.Contains(GpuMount.Bind(Host("/dev/nvidia0"), "/dev/nvidia0"), plan.Mounts);
        Assert.DoesNotContain(plan.Mounts, m => m.Target.StartsWith(Lib, StringComparison.Ordinal));
        Assert.Null(plan.LibraryPath);
        Assert.Equal(["the image has no glibc (static or musl): the NVIDIA driver's libraries cannot run in it " +
            "and were not added", "the image has no glibc (static or musl): the AMD driver's libraries cannot run in " +
            "it and were not added"], plan.Warnings);
        Assert.Equal(GpuFailure.ImageIncompatible,
            Assert.Throws<GpuException>(() => Plan("nvidia", Image())).Failure);
    }

    [Theory]
    [InlineData("/usr/local/cuda-13.0/compat/libcuda.so.590.10.01", true)]
    [InlineData("/usr/local/cuda-12.4/compat/libcuda.so.550.54.15", false)]
    public void AnImagesCudaCompatComesFirstOnlyWhenNewerThanTheDriver(string compat, bool first)
    {
        GpuPlan plan = Plan("auto", Image(Glibc236, new() { [$"{GpuPlanner.CudaCompatDir}/libcuda.so.1"] = compat }));

        Assert.Equal(first ? $"{GpuPlanner.CudaCompatDir}:{Lib}" : Lib, plan.LibraryPath);
    }

    [Fact]
    public void NodesTheRealDevLacksAreLeftOutWithAWarning()
    {
        GpuPlan plan = Plan("nvidia", host: fake.Read() with { VisiblePaths = new HashSet<string>() });

        Assert.DoesNotContain(plan.Mounts, m => m.Target.StartsWith("/dev/", StringComparison.Ordinal));
        Assert.Equal(["cannot pass GPU device nodes this host's /dev lacks: /dev/nvidiactl, /dev/nvidia-uvm, " +
            "/dev/nvidia-uvm-tools, /dev/nvidia-caps, /dev/nvidia0, /dev/nvidia1"], plan.Warnings);
    }

    [Fact]
    public void AmdPassesKfdAndEveryDriNodeChoosesWithRocrAndFillsInOnlyMissingLibraries()
    {
        GpuPlan plan = Plan("amd:1", Image(Glibc236, null, "libdrm.so.2"));

        Assert.Equal(["/dev/kfd", "/dev/dri/renderD128", "/dev/dri/renderD129", "/dev/dri/card0", "/dev/dri/card1",
                $"{Lib}/libdrm_amdgpu.so.1.0.0", $"{Lib}/libdrm_amdgpu.so.1"],
            plan.Mounts.Select(m => m.Target));
        Assert.Equal([KeyValuePair.Create("ROCR_VISIBLE_DEVICES", "1")], plan.Environment);
        Assert.Equal("GPU amd:2 not found (this host has amd:0, amd:1)",
            Assert.Throws<GpuException>(() => Plan("amd:2")).Message);
    }

    [Fact]
    public void AutoSetsUpEveryVendorTheHostHasAndNoneNothing()
    {
        Assert.Contains(Plan("auto").Mounts, m => m.Target == "/dev/kfd");
        Assert.Contains(Plan("auto").Mounts, m => m.Target == "/dev/nvidiactl");
        Assert.DoesNotContain(Plan("nvidia").Mounts, m => m.Target == "/dev/kfd");
        Assert.Same(GpuPlan.Nothing, Plan("none"));
    }

    [Fact]
    public void AKindTheHostLacksIsNotFoundByNameAndNothingUnderAuto()
    {
        using var cpuOnly = new FakeGpuHost(nvidia: false);
        GpuHost host = cpuOnly.Read();

        GpuPlan plan = Plan("auto", host: host);
        Assert.Empty(plan.Mounts);
        Assert.Empty(plan.Environment);
        Assert.Null(plan.LibraryPath);
        Assert.Equal("no NVIDIA GPU on this host (no /dev/nvidiactl)",
            Assert.Throws<GpuException>(() => Plan("nvidia", host: host)).Message);
        Assert.Equal("no AMD GPU on this host (no /dev/kfd)",
            Assert.Throws<GpuException>(() => Plan("amd", host: host)).Message);
    }

    [Fact]
    public void ApptainersNvAndRocmWarnAndRunWithoutAVendorTheHostLacks()
    {
        using var cpuOnly = new FakeGpuHost(nvidia: false);
        GpuHost host = cpuOnly.Read();
        GpuPlan Optional(GpuSelection selection) => GpuPlanner.Plan(host,
            selection with { Optional = true }, new Dictionary<string, string>(), Image(Glibc236));

        GpuPlan nv = Optional(GpuSelection.Nvidia);
        Assert.Empty(nv.Mounts);
        Assert.Null(nv.LibraryPath);
        Assert.Equal(["--nv: no NVIDIA GPU on this host (no /dev/nvidiactl): running without GPUs " +
            "(--gpu=nvidia makes this an error)"], nv.Warnings);
        Assert.Equal(["--rocm: no AMD GPU on this host (no /dev/kfd): running without GPUs " +
            "(--gpu=amd makes this an error)"], Optional(GpuSelection.Amd).Warnings);
    }

    [Fact]
    public void ApptainersNvOnAHostWithGpusIsNvidiaAndAnImageWithoutGlibcAWarning()
    {
        GpuPlan plan = GpuPlanner.Plan(fake.Read(), GpuSelection.Nvidia with { Optional = true },
            new Dictionary<string, string>(), Image());

        Assert.Contains(GpuMount.Bind(Host("/dev/nvidia0"), "/dev/nvidia0"), plan.Mounts);
        Assert.DoesNotContain(plan.Mounts, m => m.Target == "/dev/kfd");
        Assert.Equal(["the image has no glibc (static or musl): the NVIDIA driver's libraries cannot run in it " +
            "and were not added"], plan.Warnings);
    }

    public void Dispose() => fake.Dispose();
}
