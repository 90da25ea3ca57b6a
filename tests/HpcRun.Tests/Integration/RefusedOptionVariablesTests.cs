using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>A batch script written for Apptainer may export the variables of options hpcrun refuses
/// (APPTAINER_WRITABLE, _OVERLAY, _SCRATCH, _HOSTNAME...): the launch goes on as without them, with one warning each.
/// </summary>
[Collection(ContainerCollection.Name)]
public class RefusedOptionVariablesTests(ContainerFixture busybox, ApptainerImages images)
    : IClassFixture<ApptainerImages>
{
    [Fact]
    public void TheLaunchRunsAndWarnsOnceForEachVariable()
    {
        _ = busybox;
        var result = Hpcrun.Run(["exec", images.Sif, "sh", "-c", "echo ran; hostname"],
            new Dictionary<string, string>
            {
                ["APPTAINER_WRITABLE"] = "1",
                ["APPTAINER_OVERLAY"] = "/no/such/overlay.img",
                ["SINGULARITY_SCRATCH"] = "/scratch",
                ["APPTAINER_HOSTNAME"] = "elsewhere",
                ["SINGULARITY_NET"] = "false", // off: nothing to say
            });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"ran\n{Environment.MachineName}\n", result.Stdout);
        Assert.Equal(
        [
            "hpcrun: warning: APPTAINER_WRITABLE is set: hpcrun has no --writable, ignored; hpcrun images are " +
                "read-only: --writable-tmpfs gives a throwaway writable layer, -B a writable host directory",
            "hpcrun: warning: APPTAINER_OVERLAY is set: hpcrun has no --overlay, ignored; hpcrun images are " +
                "read-only: --writable-tmpfs gives a throwaway writable layer, -B a writable host directory",
            "hpcrun: warning: SINGULARITY_SCRATCH is set: hpcrun has no --scratch, ignored; bind a host directory " +
                "instead (-B /local/scratch:/scratch); --contain gives a private /tmp",
            "hpcrun: warning: APPTAINER_HOSTNAME is set: hpcrun has no --hostname, ignored; hpcrun keeps the " +
                "host's network, hostname, PIDs and IPC, which MPI and HPC fabrics need: it makes no namespace " +
                "for them",
        ], result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void SilentDropsTheWarnings()
    {
        var result = Hpcrun.Run(["-s", "exec", images.Sif, "echo", "ran"],
            new Dictionary<string, string> { ["APPTAINER_WRITABLE"] = "true" });
        Assert.Equal((0, "ran\n", ""), (result.ExitCode, result.Stdout, result.Stderr));
    }
}
