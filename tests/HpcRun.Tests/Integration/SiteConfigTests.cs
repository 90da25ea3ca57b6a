using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>The site configuration for real: the published hpcrun as the test user, HPCRUN_CONFIG naming a
/// file (and its drop-in directory) in a scratch directory, as /etc/hpcrun/hpcrun.conf would be read.</summary>
[Collection(ContainerCollection.Name)]
public sealed class SiteConfigTests(ContainerFixture images) : IDisposable
{
    private readonly string dir = ReadableTempDirectory();

    private string ConfigFile => Path.Combine(dir, "hpcrun.conf");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A directory the test user can look into (mkdtemp makes it 0700).</summary>
    private static string ReadableTempDirectory()
    {
        string path = Directory.CreateTempSubdirectory("hpcrun-it-conf-").FullName;
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    /// <summary>Writes the file and drop-ins (name, text) readable by the test user; the variable that names
    /// it.</summary>
    private Dictionary<string, string> Config(string text, params (string Name, string Text)[] dropIns)
    {
        File.WriteAllText(ConfigFile, text);
        if (dropIns.Length > 0) Directory.CreateDirectory(ConfigFile + ".d");
        foreach (var (name, content) in dropIns) File.WriteAllText(Path.Combine(ConfigFile + ".d", name), content);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
        return new Dictionary<string, string> { ["HPCRUN_CONFIG"] = ConfigFile };
    }

    private string DataDir(string name, string marker)
    {
        string data = Path.Combine(dir, name);
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "marker"), marker);
        return data;
    }

    private CommandResult Sh(Dictionary<string, string> env, string script, params string[] options) =>
        Hpcrun.Run([.. options, images.Image, "sh", "-c", script], env);

    /// <summary>What the job writes in hpcrun's tmpfs (--writable-tmpfs's layer, --contain's /tmp) is capped as
    /// Apptainer caps its session directory: 64 MiB, or the site's sessiondir-max-size; past it, ENOSPC.</summary>
    [Fact]
    public void TheTmpfsTheJobWritesInAreCappedAtSessiondirMaxSize()
    {
        const string Sizes = "df -k / /tmp | awk 'NR > 1 { print $2 }'";
        var defaults = Sh(Config(""), Sizes, "--writable-tmpfs", "--contain");
        Assert.True(defaults.ExitCode == 0, defaults.ToString());
        Assert.Equal("65536\n65536\n", defaults.Stdout);
        var site = Sh(Config("sessiondir-max-size = 8\n"), $"{Sizes}; dd if=/dev/zero of=/big bs=1M count=16 " +
            "2>/dev/null || echo full", "--writable-tmpfs", "--contain");
        Assert.Equal("8192\n8192\nfull\n", site.Stdout);
    }

    [Fact]
    public void DefaultBindsOfTheFileAndItsDropInsAreInsideAndOneThisNodeLacksIsLeftOut()
    {
        string site = DataDir("site", "site\n"), more = DataDir("more", "more\n");
        var env = Config($"# defaults\nbind = {site}:/site-data:ro\n",
            ("20-more.conf", $"bind = {more}:/site-more\n"), ("10-scratch.conf", "bind = /no/such/scratch\n"),
            ("notes.txt", "not read\n"));

        var result = Sh(env, "cat /site-data/marker /site-more/marker; test -e /no/such/scratch || echo left out;"
            + " touch /site-data/x 2>/dev/null || echo read-only");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("site\nmore\nleft out\nread-only\n", result.Stdout);
        Assert.Equal("", result.Stderr);
        var verbose = Hpcrun.Run(["-v", images.Image, "true"], env);
        Assert.Contains($"{ConfigFile}.d/10-scratch.conf:1: bind source /no/such/scratch does not exist on this node; "
            + "not bound", verbose.Stderr);
    }

    [Fact]
    public void AUserBindOntoTheSameDestinationReplacesTheSites()
    {
        string site = DataDir("site", "site\n"), mine = DataDir("mine", "mine\n");
        var result = Sh(Config($"bind = {site}:/data\n"), "cat /data/marker", "-B", $"{mine}:/data");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("mine\n", result.Stdout);
    }

    /// <summary>This machine has no RDMA device, so a named one is status 74: the setting that wins shows.</summary>
    [Fact]
    public void AnRdmaDefaultIsOverriddenByTheVariableAndTheVariableByTheOption()
    {
        var env = Config("rdma = mlx5_9\n");
        CommandResult site = Hpcrun.Run([images.Image, "true"], env);
        Assert.True(site.ExitCode == (int)ExitCode.RdmaDeviceNotFound, site.ToString());
        Assert.Contains("mlx5_9", site.Stderr);

        var noRdma = new Dictionary<string, string>(env) { ["HPCRUN_RDMA"] = "none" };
        Assert.Equal(0, Hpcrun.Run([images.Image, "true"], noRdma).ExitCode);

        var variable = new Dictionary<string, string>(Config("rdma = none\n")) { ["HPCRUN_RDMA"] = "mlx5_8" };
        CommandResult overSite = Hpcrun.Run([images.Image, "true"], variable);
        Assert.True(overSite.ExitCode == (int)ExitCode.RdmaDeviceNotFound && overSite.Stderr.Contains("mlx5_8"),
            overSite.ToString());
        Assert.Equal(0, Hpcrun.Run(["--rdma=none", images.Image, "true"], variable).ExitCode);
    }

    /// <summary>A launcher's rank in a container of its own gets UCX_TLS=^cma unless MPI is off (--mpi=none).</summary>
    [Fact]
    public void AnMpiDefaultIsOverriddenByTheVariableAndTheVariableByTheOption()
    {
        var env = new Dictionary<string, string>(Config("mpi = none\n")) { ["PMI_RANK"] = "0", ["PMI_SIZE"] = "1" };
        string Tls(Dictionary<string, string> e, params string[] options)
        {
            var result = Sh(e, "echo \"tls=$UCX_TLS\"", ["--no-join", .. options]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return result.Stdout.Trim();
        }

        Assert.Equal("tls=", Tls(env));
        Assert.Equal("tls=^cma", Tls(new(env) { ["HPCRUN_MPI"] = "container" }));
        Assert.Equal("tls=^cma", Tls(new(env) { ["HPCRUN_MPI"] = "none" }, "--mpi=container"));
    }

    [Fact]
    public void ABadLineIsOneLineNamingFileAndLineAndItsOwnStatus()
    {
        var env = Config("mpi = host\n", ("10-site.conf", "bind = /scratch\nbinds = /work\n"));
        var result = Hpcrun.Run([images.Image, "true"], env);

        Assert.True(result.ExitCode == (int)ExitCode.SiteConfigInvalid, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.Equal($"hpcrun: {ConfigFile}.d/10-site.conf:2: unknown key 'binds' "
            + "(known: bind, cache-dir, gpu, mksquashfs-args, mpi, mpi-compat, rdma, rdma-libs, sessiondir-max-size)\n",
            result.Stderr);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void ABadConfigurationIsReportedBeforeTheImageIsLookedAt()
    {
        var env = Config("bind = /x:/s2 # fast disk\n");
        var result = Hpcrun.Run([Path.Combine(dir, "no-such-image.sif"), "true"], env);

        Assert.True(result.ExitCode == (int)ExitCode.SiteConfigInvalid, result.ToString());
        Assert.Equal($"hpcrun: {ConfigFile}:1: a comment must be on a line of its own ('#' first)\n", result.Stderr);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void AFileTheVariableNamesMustExist()
    {
        var result = Hpcrun.Run([images.Image, "true"],
            new Dictionary<string, string> { ["HPCRUN_CONFIG"] = ConfigFile });
        Assert.True(result.ExitCode == (int)ExitCode.SiteConfigInvalid, result.ToString());
        Assert.Equal($"hpcrun: {ConfigFile}: cannot read: No such file or directory\n", result.Stderr);
    }

    [Fact]
    public void DoctorListsTheFilesItReadAndFailsOnABadOne()
    {
        var good = Hpcrun.Run(["doctor"],
            Config("mpi = container\n", ("10-scratch.conf", "bind = /no/such/scratch\n")));
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Equal($"OK    configuration: read {ConfigFile}, {ConfigFile}.d/10-scratch.conf; "
            + "bind sources not on this node, not bound: /no/such/scratch", good.Stdout.Split('\n')[0]);

        var bad = Hpcrun.Run(["doctor"], Config("mpi = hots\n"));
        Assert.Equal((int)ExitCode.DoctorFoundFailures, bad.ExitCode);
        Assert.StartsWith($"FAIL  configuration: {ConfigFile}:1: mpi: expected one of host, container, none, "
            + "not 'hots'",
            bad.Stdout.Split('\n')[0]);
    }
}
