using System.Text.RegularExpressions;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>`srun -n 8 hpcrun docker://...` with an empty cache on the live test cluster: one download, every rank
/// runs.</summary>
[Collection("cluster")]
public sealed class SrunPullTests : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"srun-pull-{Guid.NewGuid():N}");

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    [Fact]
    public void Eight_ranks_with_an_empty_cache_download_each_blob_once_and_all_run()
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        string layout = Path.Combine(dir, "layout");
        TestEnvironment.RunChecked("umoci", "init", "--layout", layout);
        TestEnvironment.RunChecked("umoci", "new", "--image", $"{layout}:app");
        TestEnvironment.RunChecked("umoci", "unpack", "--rootless", "--image", $"{layout}:app", $"{dir}/bundle");
        TestEnvironment.RunChecked("cp", "-a", $"{TestImages.BusyboxTree}/.", $"{dir}/bundle/rootfs");
        TestEnvironment.RunChecked("umoci", "repack", "--image", $"{layout}:app", $"{dir}/bundle");
        using var registry = new RegistryServer(Path.Combine(dir, "registry"));
        TestEnvironment.RunChecked("skopeo", "copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:app",
            $"docker://{registry.Host}/ranks/app:1");
        string cache = Path.Combine(dir, "cache");

        // node1 shares the host's network (node2 has its own loopback, where this registry is not); its two CPUs
        // take eight ranks only overcommitted (else Slurm asks for four nodes and the job never starts).
        CommandResult run = LocalCluster.AsUser("env", "HPCRUN_INSECURE=1", $"HPCRUN_CACHEDIR={cache}", "srun",
            "-w", "node1", "-N1", "-n8", "--overcommit", Hpcrun.Binary, $"docker://{registry.Host}/ranks/app:1",
            "/bin/echo", "ran");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(8, run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l == "ran"));

        var blobGets = File.ReadAllLines(registry.Log)
            .Select(l => Regex.Match(l, "\"GET /v2/ranks/app/blobs/(sha256:[0-9a-f]{64})"))
            .Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(blobGets);
        Assert.Equal(blobGets.Distinct().Count(), blobGets.Count); // each blob downloaded exactly once
        Assert.Single(Directory.GetFiles(Path.Combine(cache, "sif"), "*.sif"));
    }
}
