using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>doctor checks HPCRUN_REGISTRY_MIRROR and HPCRUN_REGISTRY_TIMEOUT as a pull reads them: a value a pull
/// refuses is doctor's failure in the pull's own line, one the pull takes is no failure.</summary>
public class DoctorRegistryVariablesTests
{
    [Theory]
    [InlineData("HPCRUN_REGISTRY_MIRROR", "ftp://mirror.example.org")]
    [InlineData("HPCRUN_REGISTRY_MIRROR", "https://user:secret@mirror.example.org")]
    [InlineData("HPCRUN_REGISTRY_TIMEOUT", "abc")]
    [InlineData("HPCRUN_REGISTRY_TIMEOUT", "0")]
    [InlineData("HPCRUN_REGISTRY_TIMEOUT", "86401")]
    public void A_value_that_a_pull_refuses_fails_in_the_pulls_words(string variable, string value)
    {
        var env = new Dictionary<string, string> { [variable] = value };
        var pull = Hpcrun.Run(["pull", "--cache", "docker://registry.invalid/app:1"], env);
        Assert.True(pull.ExitCode == 64, pull.ToString());
        string line = pull.Stderr.Trim()["hpcrun: ".Length..];

        var doctor = Hpcrun.Run(["doctor"], env);

        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.Contains($"FAIL  registry: {line} (fix: correct or unset the variable: every pull, build from a " +
            "registry and `hpcrun docker://REF` that asks the registry stops at it (status 64); local images run)\n",
            doctor.Stdout);
        Assert.DoesNotContain("secret", doctor.Stdout);
    }

    [Fact]
    public void Both_bad_values_are_said_in_one_failure()
    {
        var doctor = Hpcrun.Run(["doctor"], new Dictionary<string, string>
        { ["HPCRUN_REGISTRY_MIRROR"] = "mirror.example.org", ["HPCRUN_REGISTRY_TIMEOUT"] = "1m" });
        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.Contains("FAIL  registry: HPCRUN_REGISTRY_MIRROR=mirror.example.org: not an http(s) URL: give the " +
            "mirror's URL, e.g. https://mirror.example.org; HPCRUN_REGISTRY_TIMEOUT=1m: give seconds, 1 to 86400 ",
            doctor.Stdout);
    }

    [Theory]
    [InlineData(null, null, "OK    registry: Docker Hub's images from registry-1.docker.io; 60 s timeout\n")]
    [InlineData("https://mirror.example.org", "5", "OK    registry: Docker Hub's images from " +
        "https://mirror.example.org (HPCRUN_REGISTRY_MIRROR); 5 s timeout (HPCRUN_REGISTRY_TIMEOUT)\n")]
    public void Values_a_pull_takes_are_said(string? mirror, string? timeout, string expected)
    {
        var env = new Dictionary<string, string>();
        if (mirror is not null) env["HPCRUN_REGISTRY_MIRROR"] = mirror;
        if (timeout is not null) env["HPCRUN_REGISTRY_TIMEOUT"] = timeout;
        var doctor = Hpcrun.Run(["doctor"], env);
        Assert.Contains(expected, doctor.Stdout);
    }
}
