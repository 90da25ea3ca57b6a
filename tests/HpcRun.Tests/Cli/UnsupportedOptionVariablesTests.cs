using HpcRun.CommandLine;

namespace HpcRun.Tests.Cli;

/// <summary>Apptainer's variables of the options hpcrun refuses are warned about, one line each with the option's
/// advice, when they would change what Apptainer does (README, "Apptainer's variables").</summary>
public class UnsupportedOptionVariablesTests
{
    private static string[] Warnings(Dictionary<string, string> environment, bool pulls = false) =>
        [.. UnsupportedOptionVariables.Warnings(environment.GetValueOrDefault, pulls)];

    [Fact]
    public void EachSetVariableGetsOneLineWithTheOptionsAdvice()
    {
        string[] lines = Warnings(new()
        {
            ["APPTAINER_WRITABLE"] = "1",
            ["SINGULARITY_OVERLAYIMAGE"] = "/scratch/overlay.img",
            ["SINGULARITY_HOSTNAME"] = "node",
            ["APPTAINER_UNSHARE_PID"] = "true",
            ["APPTAINER_MEMORY"] = "1G",
        });
        Assert.Equal(
        [
            "APPTAINER_WRITABLE is set: hpcrun has no --writable, ignored; hpcrun images are read-only: " +
                "--writable-tmpfs gives a throwaway writable layer, -B a writable host directory",
            "SINGULARITY_OVERLAYIMAGE is set: hpcrun has no --overlay, ignored; hpcrun images are read-only: " +
                "--writable-tmpfs gives a throwaway writable layer, -B a writable host directory",
            "SINGULARITY_HOSTNAME is set: hpcrun has no --hostname, ignored; hpcrun keeps the host's network, " +
                "hostname, PIDs and IPC, which MPI and HPC fabrics need: it makes no namespace for them",
            "APPTAINER_UNSHARE_PID is set: hpcrun has no --pid, ignored; hpcrun keeps the host's network, " +
                "hostname, PIDs and IPC, which MPI and HPC fabrics need: it makes no namespace for them",
            "APPTAINER_MEMORY is set: hpcrun has no --memory, ignored; hpcrun sets no resource limits: ask the " +
                "batch system for them (srun --cpus-per-task, --mem)",
        ], lines);
    }

    [Theory]
    [InlineData("APPTAINER_WRITABLE", "false")] // a switch's off word changes nothing
    [InlineData("SINGULARITY_NET", "0")]
    [InlineData("APPTAINER_SCRATCH", "")] // an empty variable is unset, as Apptainer reads it
    [InlineData("APPTAINER_DISABLE_CACHE", "1")] // a local image: no cache to leave alone
    [InlineData("HOSTNAME", "node")] // not Apptainer's
    public void WhatChangesNothingIsNotWarnedAbout(string name, string value) =>
        Assert.Empty(Warnings(new() { [name] = value }));

    [Fact]
    public void ApptainersSpellingComesFirstAsApptainerReadsIt()
    {
        Assert.Empty(Warnings(new() { ["APPTAINER_BOOT"] = "0", ["SINGULARITY_BOOT"] = "1" }));
        Assert.Equal(["SINGULARITY_SCRATCH is set: hpcrun has no --scratch, ignored; bind a host directory " +
            "instead (-B /local/scratch:/scratch); --contain gives a private /tmp"],
            Warnings(new() { ["APPTAINER_SCRATCH"] = "", ["SINGULARITY_SCRATCH"] = "/s" }));
    }

    [Fact]
    public void DisableCacheIsWarnedAboutForARegistryImage() =>
        Assert.StartsWith("APPTAINER_DISABLE_CACHE is set: hpcrun has no --disable-cache, ignored; `hpcrun pull",
            Assert.Single(Warnings(new() { ["APPTAINER_DISABLE_CACHE"] = "yes" }, pulls: true)));
}
