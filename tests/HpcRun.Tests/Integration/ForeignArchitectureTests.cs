using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>A SIF for another CPU (here busybox's amd64 tree in a SIF that says arm64, so that only the check can
/// refuse it): every launch verb refuses it in one line before anything is mounted, as Apptainer does.</summary>
[Collection(ContainerCollection.Name)]
public class ForeignArchitectureTests
{
    private static string ArmSif() => BusyboxSif.Make("busybox-labelled-arm64.sif", "arm64");

    [Theory]
    [InlineData("exec", "/bin/true"), InlineData("run"), InlineData("shell"), InlineData("test"),
        InlineData(null, "/bin/true")]
    public void Each_launch_verb_refuses_a_sif_for_another_cpu_in_one_line(string? verb, string? command = null)
    {
        string image = ArmSif();
        string[] args = [.. verb is null ? [] : new[] { verb }, image, .. command is null ? [] : new[] { command }];
        var result = Hpcrun.Run(args);
        Assert.True(result.ExitCode == 82, result.ToString());
        Assert.Empty(result.Stdout);
        Assert.Equal($"hpcrun: {image}: the image is for arm64, this host is amd64: use an image built for amd64\n",
            result.Stderr);
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>bench refuses it as a launch does, once, before any benchmark (it gave each benchmark's refusal in
    /// one long line, 88).</summary>
    [Fact]
    public void Bench_refuses_a_sif_for_another_cpu_in_one_line()
    {
        string image = ArmSif();
        var result = Hpcrun.Run("bench", image, "--rounds", "3");
        Assert.True(result.ExitCode == 82, result.ToString());
        Assert.Equal(("", $"hpcrun: {image}: the image is for arm64, this host is amd64: use an image built for " +
            "amd64\n"), (result.Stdout, result.Stderr));
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>doctor fails it as a launch refuses it and ends with the launch's status, for scripts that check an
    /// image before they launch it (it ended with its own, 75).</summary>
    [Fact]
    public void Doctor_fails_a_sif_for_another_cpu_with_the_launchs_status()
    {
        string image = ArmSif();
        var doctor = Hpcrun.Run("doctor", image);
        Assert.True(doctor.ExitCode == 82, doctor.ToString());
        Assert.Contains("FAIL  image: SIF image is for arm64, this host is amd64 (fix: use an image built for amd64)\n",
            doctor.Stdout);
        var json = Hpcrun.Run("doctor", "--json", image);
        Assert.True(json.ExitCode == 82, json.ToString());
        Assert.Contains("\"ok\": false", json.Stdout);
    }
}
