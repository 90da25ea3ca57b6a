using System.CommandLine;
using HpcRun.CommandLine;
using HpcRun.HostLibraries;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Gpu.Tests;

/// <summary>The adapter between the launch and <see cref="GpuPlanner"/>: options, variables, the site's key, exit
/// statuses, mounts, LD_LIBRARY_PATH and the visibility variable, and what ranks sharing a node compare.</summary>
public sealed class GpuPartTests : IDisposable
{
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";
    private readonly FakeGpuHost fake = new();

    /// <summary>Runs the environment part and this one on an image holding only this machine's libc.</summary>
    private PlanBuilder Contribute(LaunchRequest? request = null, Dictionary<string, string>? env = null,
        SiteConfig? site = null, GpuHost? gpu = null)
    {
        var context = new LaunchContext(request ?? new LaunchRequest { Image = "/app.sqfs" },
            new ImageSource("/app.sqfs", ImageKind.SquashFs), ImageConfig.Empty,
            new ImageTree(p => p == Libc, _ => null, p => p == Libc ? File.ReadAllBytes(Libc) : null,
                p => p == Libc ? p : null),
            new HostFacts
            {
                Environment = env ?? [],
                Uid = 1001,
                Gid = 100,
                PasswdLine = "alice:x:1001:100::/home/alice:/bin/sh",
                GroupLine = "users:x:100:",
                Home = "/home/alice",
                Cwd = "/home/alice",
                Gpu = gpu ?? fake.Read(),
                Site = site ?? SiteConfig.None,
            });
        var plan = new PlanBuilder();
        new EnvironmentPart().Contribute(context, plan);
        new GpuPart().Contribute(context, plan);
        return plan;
    }

    private static LaunchRequest Parsed(params string[] options)
    {
        var launch = new LaunchOptions();
        var command = new RootCommand();
        launch.AddTo(command);
        return launch.ToRequest(command.Parse(options), "/app.sqfs", []);
    }

    [Fact]
    public void TheLibraryDirectoryGoesFirstOnTheLibraryPath()
    {
        PlanBuilder plan = Contribute(env: new() { ["HPCRUN_ENV_LD_LIBRARY_PATH"] = "/opt/app/lib" });

        Assert.Equal($"{GpuPlanner.LibraryDir}:/opt/app/lib", plan.GetEnv("LD_LIBRARY_PATH"));
        Assert.Contains(MountSpec.Bind(fake.HostPath("/dev/nvidia0"), "/dev/nvidia0"), plan.Mounts);
    }

    [Fact]
    public void TheOptionBeatsTheVariableWhichBeatsTheSiteConfiguration()
    {
        SiteConfig site = SiteConfig.Parse([new SiteConfigFile("/etc/hpcrun/hpcrun.conf", "gpu = none\n")]);
        Assert.Equal(new Setting<GpuSelection>(GpuSelection.None, "/etc/hpcrun/hpcrun.conf:1"),
            GpuPart.Selection(new LaunchRequest { Image = "i" }, new Dictionary<string, string>(), site));
        Assert.Equal(("nvidia:1", "HPCRUN_GPU"), Shown(GpuPart.Selection(new LaunchRequest { Image = "i" },
            new Dictionary<string, string> { ["HPCRUN_GPU"] = "nvidia:1" }, site)));
        Assert.Equal(("amd", "--rocm"), Shown(GpuPart.Selection(Parsed("--rocm"),
            new Dictionary<string, string> { ["HPCRUN_GPU"] = "nvidia:1" }, site)));
        Assert.Equal(("auto", null), Shown(GpuPart.Selection(new LaunchRequest { Image = "i" },
            new Dictionary<string, string>(), SiteConfig.None)));
    }

    private static (string, string?) Shown(Setting<GpuSelection> selection) =>
        (selection.Value.ToString(), selection.Origin);

    /// <summary>A refusal names the variable or the site's line that chose the GPUs, not an option that was not
    /// typed; one the user typed is not named.</summary>
    [Fact]
    public void ARefusalNamesWhereTheGpusCameFromUnlessTyped()
    {
        SiteConfig site = SiteConfig.Parse([new SiteConfigFile("/etc/hpcrun/hpcrun.conf", "\ngpu = nvidia:3\n")]);
        string Refusal(LaunchRequest request, Dictionary<string, string> env) =>
            Assert.Throws<HpcRunException>(() => Contribute(request, env, site)).Message;

        const string missing = "GPU nvidia:3 not found (this host has nvidia:0, nvidia:1)";
        Assert.Equal($"{missing} (from /etc/hpcrun/hpcrun.conf:2)", Refusal(new LaunchRequest { Image = "i" }, []));
        Assert.Equal($"{missing} (from HPCRUN_GPU)",
            Refusal(new LaunchRequest { Image = "i" }, new() { ["HPCRUN_GPU"] = "nvidia:3" }));
        Assert.Equal(missing, Refusal(Parsed("--gpu=nvidia:3"), []));
    }

    /// <summary>--nv and --rocm together are --nv's, with a warning that --rocm is not applied, as Apptainer does; a
    /// variable's warning names the variable.</summary>
    [Fact]
    public void NvAndRocmTogetherAreNvsWithAWarning()
    {
        using var cpuOnly = new FakeGpuHost(nvidia: false);
        LaunchRequest request = Parsed("--rocm", "--nv");
        Assert.Equal(("nvidia", "--nv", "--rocm"), (request.Gpu?.ToString(), request.GpuOrigin, request.GpuIgnored));
        Assert.Equal(["--nv and --rocm cannot be used together: only --nv is applied",
                "--nv: no NVIDIA GPU on this host (no /dev/nvidiactl): running without GPUs (--gpu=nvidia makes this " +
                "an error)"],
            Contribute(request, gpu: cpuOnly.Read()).Messages.Where(m => m.Level == MessageLevel.Warning)
                .Select(m => m.Text));
        LaunchRequest variables = ApptainerVariables.Apply(new LaunchRequest { Image = "i" },
            new Dictionary<string, string> { ["SINGULARITY_NV"] = "1", ["APPTAINER_ROCM"] = "1" });
        Assert.StartsWith("SINGULARITY_NV: no NVIDIA GPU", Assert.Single(Contribute(variables, gpu: cpuOnly.Read())
            .Messages, m => m.Text.Contains("no NVIDIA")).Text);
    }

    [Theory]
    [InlineData(new[] { "--nv" }, "nvidia")]
    [InlineData(new[] { "--rocm" }, "amd")]
    [InlineData(new[] { "--gpu=nvidia:0,2", "--nv" }, "nvidia:0,2")]
    [InlineData(new[] { "--gpu", "none" }, "none")]
    public void TheOptionsParse(string[] options, string selection) =>
        Assert.Equal(selection, Parsed(options).Gpu?.ToString());

    [Theory]
    [InlineData(new[] { "--gpu=intel" }, "--gpu: bad GPU selection 'intel'")]
    [InlineData(new[] { "--gpu=amd", "--nv" }, "--nv contradicts --gpu=amd")]
    public void BadOptionsAreUsageErrors(string[] options, string message)
    {
        var error = Assert.Throws<HpcRunException>(() => Parsed(options));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void ABadVariableIsAUsageErrorAndABadSiteValueAConfigurationError()
    {
        Assert.Equal(ExitCode.Usage, Assert.Throws<HpcRunException>(() =>
            Contribute(env: new() { ["HPCRUN_GPU"] = "nvidia:x" })).Code);
        var error = Assert.Throws<HpcRunException>(() =>
            SiteConfig.Parse([new SiteConfigFile("/etc/hpcrun/hpcrun.conf", "gpu = intel\n")]));
        Assert.Equal(ExitCode.SiteConfigInvalid, error.Code);
        Assert.StartsWith("/etc/hpcrun/hpcrun.conf:1: gpu: bad GPU selection 'intel'", error.Message);
    }

    [Theory]
    [InlineData("nvidia:3", ExitCode.GpuNotFound)]
    [InlineData("amd", ExitCode.GpuNotFound)]
    public void EachRefusalHasItsOwnStatus(string selection, ExitCode status) =>
        Assert.Equal(status, Assert.Throws<HpcRunException>(() =>
            Contribute(new LaunchRequest { Image = "/app.sqfs", Gpu = GpuSelection.Parse(selection) })).Code);

    [Fact]
    public void NvAndRocmOnAHostWithoutGpusWarnAndRunWhileGpuNamingTheVendorIsRefused()
    {
        using var cpuOnly = new FakeGpuHost(nvidia: false);
        foreach (string flag in new[] { "--nv", "--rocm" })
        {
            PlanBuilder plan = Contribute(Parsed(flag), gpu: cpuOnly.Read());
            Assert.Contains(plan.Messages, m => m.Level == MessageLevel.Warning
                && m.Text.StartsWith($"{flag}: no ", StringComparison.Ordinal));
        }
        foreach (string strict in new[] { "--gpu=nvidia", "--gpu=amd:0" })
            Assert.Equal(ExitCode.GpuNotFound, Assert.Throws<HpcRunException>(() =>
                Contribute(Parsed(strict), gpu: cpuOnly.Read())).Code);
        Assert.Equal(ExitCode.GpuNotFound, Assert.Throws<HpcRunException>(() =>
            Contribute(Parsed("--gpu=nvidia", "--nv"), gpu: cpuOnly.Read())).Code);
    }

    [Fact]
    public void ADanglingLibraryAndAnOldGlibcHaveTheirStatuses()
    {
        GpuHost host = fake.Read();
        NvidiaHost nvidia = host.Nvidia!;
        GpuHost broken = host with
        {
            Nvidia = nvidia with
            {
                Files = nvidia.Files with { Broken = [new BrokenLibrary("/lib/libcuda.so.1", "x")] },
            },
        };
        Assert.Equal(ExitCode.GpuDriverBroken, Assert.Throws<HpcRunException>(() => Contribute(gpu: broken)).Code);
        DriverLibrary newer = nvidia.Files.Libraries[0] with { Glibc = new GlibcNeed(new(99, 0), "/lib/libcuda.so.1") };
        GpuHost demanding = host with
        {
            Nvidia = nvidia with { Files = nvidia.Files with { Libraries = [newer] } },
        };
        Assert.Equal(ExitCode.GpuImageIncompatible,
            Assert.Throws<HpcRunException>(() => Contribute(gpu: demanding)).Code);
    }

    [Fact]
    public void TheUsersOwnCudaVisibleDevicesBeatsTheOneIndicesSet()
    {
        var request = new LaunchRequest { Image = "/app.sqfs", Gpu = GpuSelection.Parse("nvidia:1") };
        Assert.Equal(FakeGpuHost.Uuids[1], Contribute(request, new() { ["CUDA_VISIBLE_DEVICES"] = "0" })
            .GetEnv("CUDA_VISIBLE_DEVICES"));
        Assert.Equal("0", Contribute(request with { EnvAssignments = ["CUDA_VISIBLE_DEVICES=0"] })
            .GetEnv("CUDA_VISIBLE_DEVICES"));
    }

    [Fact]
    public void RanksOfANodeShareOneSetUpWhateverTheirOwnVisibleDevicesAndDifferWhenTheyAskForOtherGpus()
    {
        ContainerRecord Record(PlanBuilder plan) => NodeSharing.Record(new ContainerPlan
        {
            Image = new ImageSource("/app.sqfs", ImageKind.SquashFs),
            Mounts = plan.Mounts,
            Environment = plan.Environment,
            WorkingDirectory = "/",
            Argv = ["true"],
            Ids = new IdMap(1001, 100, 1001, 100),
        }, new RecordedImage("0:42:7+0", "/app.sqfs"));
        // Slurm's --gpus-per-task gives each task its own CUDA_VISIBLE_DEVICES, in one step.
        ContainerRecord first = Record(Contribute(env: new() { ["CUDA_VISIBLE_DEVICES"] = "0" }));
        ContainerRecord second = Record(Contribute(env: new() { ["CUDA_VISIBLE_DEVICES"] = "1" }));
        Assert.Null(NodeSharing.FirstDifference(second, first));

        ContainerRecord other =
            Record(Contribute(new LaunchRequest { Image = "/app.sqfs", Gpu = GpuSelection.Parse("nvidia:1") }));
        Assert.StartsWith("generated /dev/nvidia0 (", NodeSharing.FirstDifference(other, first));
    }

    public void Dispose() => fake.Dispose();
}
