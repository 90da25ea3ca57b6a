namespace HpcRun.TestSupport;

/// <summary>
/// A real two-node Slurm 22.05 cluster with slurmrestd on this machine (scripts/cluster), up for
/// the tests of the "cluster" collection and torn down after them. Jobs run as the unprivileged
/// test user, who holds a slurmrestd token in a file only it can read. The cluster's names
/// (bridge, network namespaces, port) are machine-wide, so a test project holds a machine-wide
/// lock while its cluster is up: projects that run at the same time take turns.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    // not under /run: hpcrun does not bind a working directory there
    public const string Dir = "/var/tmp/hpcrun-cluster-test";

    public const string MachineLock = "/var/tmp/hpcrun-cluster.lock";
    private readonly FileStream machineLock = TestImages.Lock(MachineLock);

    public LocalCluster()
    {
        Script("up", "--nodes", "2");
        TokenFile = Script("token", "--user", TestEnvironment.User).Trim();
        Token = File.ReadAllText(TokenFile).Trim();
    }

    public static string Config => Path.Combine(Dir, "slurm.conf");

    /// <summary>The busybox test image, looked up once: each lookup takes a lock that test projects share.</summary>
    public static string Image => image.Value;
    private static readonly Lazy<string> image = new(() => TestImages.BusyboxSquashFs);

    /// <summary>A directory every user may write job output to.</summary>
    public static string JobsDir => Path.Combine(Dir, "jobs");

    public string Url => "http://127.0.0.1:6820";
    public string TokenFile { get; }
    public string Token { get; }

    /// <summary>What the test user's shell would have after `eval "$(scripts/cluster env)"`, plus its token
    /// file.</summary>
    public Dictionary<string, string> UserEnvironment() => new()
    {
        ["SLURM_CONF"] = Config,
        ["SLURM_RESTD_URL"] = Url,
        ["SLURM_RESTD_TOKEN_FILE"] = TokenFile,
    };

    /// <summary>Runs a Slurm client (srun, squeue, scancel...) as the test user.</summary>
    public static CommandResult AsUser(params string[] command) =>
        TestEnvironment.Run("setpriv", ["--reuid", TestEnvironment.User, "--regid", TestEnvironment.User,
            "--init-groups", "--", "env", $"SLURM_CONF={Config}", "PATH=/usr/local/bin:/usr/bin:/bin",
            $"HOME={Hpcrun.UserHome}", .. command], cwd: JobsDir);

    public void Dispose()
    {
        try { Script("down"); }
        finally { machineLock.Dispose(); }
    }

    private static string Script(params string[] args) =>
        TestEnvironment.RunChecked(Path.Combine(TestEnvironment.RepoRoot, "scripts", "cluster"),
            [.. args, "--dir", Dir]);
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<LocalCluster>;
