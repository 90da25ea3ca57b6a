using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Apptainer's --nv and --rocm together: Apptainer applies --nv alone, with a warning
/// (apptainer/apptainer#1596), and so does hpcrun, for the options and for their variables, naming only what was
/// given. This machine has no GPU: --nv then runs without one, with its own warning.</summary>
public sealed class NvAndRocmTests
{
    public static TheoryData<string[], Dictionary<string, string>, string> Both() => new()
    {
        { ["--nv", "--rocm"], new(), "--nv" },
        { ["--rocm", "--nv"], new(), "--nv" },
        { [], new() { ["APPTAINER_NV"] = "1", ["APPTAINER_ROCM"] = "true" }, "APPTAINER_NV" },
    };

    [Theory]
    [MemberData(nameof(Both))]
    public void Nv_and_rocm_together_apply_nv_with_a_warning(string[] options, Dictionary<string, string> env,
        string nv)
    {
        string rocm = nv.StartsWith('-') ? "--rocm" : "APPTAINER_ROCM";

        var result = Hpcrun.Run([.. options, TestImages.BusyboxSquashFs, "echo", "ran"], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ran\n", result.Stdout);
        Assert.Equal($"hpcrun: warning: {nv} and {rocm} cannot be used together: only {nv} is applied\n" +
            $"hpcrun: warning: {nv}: no NVIDIA GPU on this host (no /dev/nvidiactl): running without GPUs " +
            "(--gpu=nvidia makes this an error)\n", result.Stderr);
    }

    /// <summary>--gpu, hpcrun's own, names the vendor that must be there: --nv or --rocm for another is a
    /// contradiction of two options typed, named as typed; an Apptainer variable gives way to it.</summary>
    [Fact]
    public void Gpu_for_another_vendor_contradicts_the_option_typed_and_a_variable_gives_way()
    {
        var typed = Hpcrun.Run("--rocm", "--gpu", "nvidia:0", "--nv", TestImages.BusyboxSquashFs, "true");
        var variable = Hpcrun.Run(["--gpu=none", TestImages.BusyboxSquashFs, "echo", "ran"],
            new Dictionary<string, string> { ["APPTAINER_ROCM"] = "1" });

        Assert.Equal((64, "hpcrun: --rocm contradicts --gpu=nvidia:0\n"), (typed.ExitCode, typed.Stderr));
        Assert.Equal((0, "ran\n", ""), (variable.ExitCode, variable.Stdout, variable.Stderr));
    }
}
