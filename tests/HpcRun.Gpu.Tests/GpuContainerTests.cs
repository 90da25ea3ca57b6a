using HpcRun.TestSupport;

namespace HpcRun.Gpu.Tests;

/// <summary>
/// The real binary, run as the unprivileged test user on a fake GPU host (HPCRUN_GPU_ROOT): what
/// the job sees of the driver (its library directory, LD_LIBRARY_PATH, nvidia-smi, the OpenCL
/// vendor file, CUDA_VISIBLE_DEVICES) and the refusals' statuses. The fake host's device nodes are
/// not in this machine's /dev, where the container's come from: the job is told it lacks them.
/// </summary>
public sealed class GpuContainerTests : IDisposable
{
    private readonly FakeGpuHost fake = new();

    private CommandResult Inside(string image, string[] options, string script, Dictionary<string, string>? env = null)
    {
        env ??= [];
        env[GpuHost.RootVariable] = fake.Root;
        return Hpcrun.Run(["exec", .. options, image, "sh", "-c", script], env);
    }

    [Fact]
    public void TheDriversLibrariesProgramsAndVendorFilesAreThereFirstOnTheLibraryPath()
    {
        CommandResult result = Inside(TestImages.BusyboxGlibcTree, ["--nv"],
            "echo $LD_LIBRARY_PATH; ls /.singularity.d/libs; nvidia-smi -L; cat /etc/OpenCL/vendors/nvidia.icd; " +
            "echo visible=$CUDA_VISIBLE_DEVICES");

        Assert.True(result.ExitCode == 0, result.ToString());
        string v = FakeGpuHost.Version;
        Assert.Equal(
        [
            "/.singularity.d/libs",
            "libcuda.so", "libcuda.so.1", $"libcuda.so.{v}", "libnvidia-ml.so.1", $"libnvidia-ml.so.{v}",
            "libnvidia-opencl.so.1", $"libnvidia-opencl.so.{v}", "libnvidia-ptxjitcompiler.so.1",
            $"libnvidia-ptxjitcompiler.so.{v}",
            $"GPU 0: NVIDIA H200 (UUID: {FakeGpuHost.Uuids[0]})", "libnvidia-opencl.so.1", "visible=",
        ], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("hpcrun: warning: cannot pass GPU device nodes this host's /dev lacks: /dev/nvidiactl",
            result.Stderr);
    }

    [Fact]
    public void IndicesNameTheChosenGpuByUuidAndTheSelectionMayComeFromTheEnvironment()
    {
        CommandResult result = Inside(TestImages.BusyboxGlibcTree, [], "echo $CUDA_VISIBLE_DEVICES",
            new() { ["HPCRUN_GPU"] = "nvidia:1", ["CUDA_VISIBLE_DEVICES"] = "0,1" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(FakeGpuHost.Uuids[1] + "\n", result.Stdout);
    }

    [Fact]
    public void NoneBindsNothingAndPassesTheVisibilityVariablesThrough()
    {
        CommandResult result = Inside(TestImages.BusyboxGlibcTree, ["--gpu=none"],
            "ls /.singularity.d/libs 2>&1; echo $CUDA_VISIBLE_DEVICES", new() { ["CUDA_VISIBLE_DEVICES"] = "1" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("No such file or directory\n1\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void AStaticImageRunsUnderAutoAndNvWithAWarningAndIsRefusedWithGpuNvidia()
    {
        foreach (string[] options in new[] { Array.Empty<string>(), ["--nv"] })
        {
            CommandResult result = Inside(TestImages.BusyboxTree, options, "echo ran");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("the image has no glibc (static or musl): the NVIDIA driver's libraries cannot run in it",
                result.Stderr);
        }

        CommandResult nvidia = Inside(TestImages.BusyboxTree, ["--gpu=nvidia"], "echo ran");
        Assert.Equal(87, nvidia.ExitCode);
        Assert.Equal("", nvidia.Stdout);
    }

    [Fact]
    public void AnImageWithAnOlderGlibcIsRefusedWithOneLineNamingBothSides()
    {
        CommandResult result = Inside(fake.OldGlibcImage("2.17"), [], "echo ran");

        Assert.Equal(87, result.ExitCode);
        Assert.Equal(
            $"hpcrun: the NVIDIA driver library {FakeGpuHost.NvidiaLib}/libcuda.so.{FakeGpuHost.Version} needs " +
            "glibc 2.34 but the image's /lib/libc.so.6 is 2.17: use an image with glibc 2.34 or newer, " +
            "or give --gpu=none\n",
            result.Stderr);
    }

    [Fact]
    public void AMissingIndexADanglingLibraryAndABadValueHaveTheirStatuses()
    {
        // Its value apart, as early.c must know to find the image after it.
        CommandResult missing = Inside(TestImages.BusyboxGlibcTree, ["--gpu", "nvidia:0,4"], "echo ran");
        Assert.Equal(85, missing.ExitCode);
        Assert.Equal("hpcrun: GPU nvidia:4 not found (this host has nvidia:0, nvidia:1)\n", missing.Stderr);

        CommandResult bad = Inside(TestImages.BusyboxGlibcTree, ["--gpu=intel"], "echo ran");
        Assert.Equal(64, bad.ExitCode);
        Assert.StartsWith("hpcrun: --gpu: bad GPU selection 'intel'", bad.Stderr);

        fake.Delete($"{FakeGpuHost.NvidiaLib}/libnvidia-ml.so.{FakeGpuHost.Version}");
        CommandResult dangling = Inside(TestImages.BusyboxGlibcTree, [], "echo ran");
        Assert.Equal(86, dangling.ExitCode);
        Assert.StartsWith(
            $"hpcrun: the NVIDIA driver library {FakeGpuHost.NvidiaLib}/libnvidia-ml.so.1 is a dangling link",
            dangling.Stderr);
        Assert.Equal("", dangling.Stdout);
    }

    public void Dispose() => fake.Dispose();
}
