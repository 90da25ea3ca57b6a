using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>`hpcrun docker://REF CMD` signalled while hpcrun-tools pulls into the image cache: the pull ends with
/// the launcher, leaving no SIF and no scratch directory in the cache. The registry sends half of each layer and
/// holds the rest, so the pull is under way for as long as the test needs.</summary>
[Collection(RegistryCollection.Name)]
public sealed class LaunchPullSignalTests(RegistryFixture registry) : IDisposable
{
    private readonly string cache = DockerRunTests.CacheDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", cache);

    /// <summary>SIGTERM (Slurm's time limit, scancel), SIGINT and SIGHUP: the launcher passes the signal to the
    /// pull, waits for it to clean up and exits 128+N, as a signalled build does.</summary>
    [Theory]
    [InlineData("TERM", 143), InlineData("INT", 130), InlineData("HUP", 129)]
    public async Task A_signal_during_the_pull_ends_the_pull_and_the_launch_with_128_plus_n(string signal,
        int status)
    {
        using var stalling = new FaultServer(FaultServer.Mode.StalledMidBlob, upstream: registry.Plain.Host);
        (Process launch, int pull) = StartStalledPull(stalling);
        using (launch)
        {
            TestEnvironment.RunChecked("kill", $"-{signal}", $"{launch.Id}");
            Assert.True(launch.WaitForExit(TimeSpan.FromSeconds(60)), "the launcher did not end");
            // The launcher waited for its pull; one still running would also hold the launch's stderr open.
            Assert.True(Processes.WaitUntilEnded(pull, TimeSpan.Zero), "the pull outlived the launcher");
            string errors = await launch.StandardError.ReadToEndAsync();
            Assert.True(status == launch.ExitCode, errors);
            Assert.Contains($"pull interrupted by SIG{signal}: nothing written", errors);
        }
        AssertNothingCached();
    }

    /// <summary>A launcher killed outright (SIGKILL, which it cannot catch) takes its pull along: the pull gets
    /// SIGTERM from the kernel (PR_SET_PDEATHSIG) and cleans up as a signalled pull does.</summary>
    [Fact]
    public void A_killed_launcher_takes_its_pull_along_and_the_pull_leaves_nothing()
    {
        using var stalling = new FaultServer(FaultServer.Mode.StalledMidBlob, upstream: registry.Plain.Host);
        (Process launch, int pull) = StartStalledPull(stalling);
        using (launch)
        {
            TestEnvironment.RunChecked("kill", "-KILL", $"{launch.Id}");
            Assert.True(launch.WaitForExit(TimeSpan.FromSeconds(60)), "the launcher did not end");
        }
        Assert.True(Processes.WaitUntilEnded(pull, TimeSpan.FromSeconds(60)), "the pull outlived the launcher");
        AssertNothingCached();
    }

    /// <summary>Starts a launch of an image the cache lacks, from <paramref name="stalling"/>, and waits until its
    /// pull has half a layer in its scratch directory; the launcher and the pull's pid.</summary>
    private (Process Launch, int Pull) StartStalledPull(FaultServer stalling)
    {
        Process launch = Hpcrun.Start([$"docker://{stalling.Host}/test/app:1", "/bin/true"], new Dictionary<string,
            string>
        {
            ["HPCRUN_INSECURE"] = "1",
            ["HPCRUN_CACHEDIR"] = cache,
            ["HPCRUN_REGISTRY_TIMEOUT"] = "600", // the held rest of the layer is waited for, not retried
        });
        Assert.True(stalling.Stalled.Wait(TimeSpan.FromSeconds(120)), "the pull never reached a layer");
        int pull = Processes.WaitForChild(launch, "hpcrun-tools");
        Assert.Single(Directory.GetDirectories(Path.Combine(cache, "sif"), ".hpcrun-pull.*")); // under way
        return (launch, pull);
    }

    private void AssertNothingCached()
    {
        string images = Path.Combine(cache, "sif");
        // The image's lock file stays, as after any pull; no SIF, no scratch directory.
        Assert.DoesNotContain(Directory.GetFileSystemEntries(images),
            entry => !entry.EndsWith(".lock", StringComparison.Ordinal));
    }
}
