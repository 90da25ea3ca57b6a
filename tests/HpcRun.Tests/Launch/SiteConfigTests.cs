using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Tests.Launch;

/// <summary>The site configuration's parser (key = value lines, drop-ins in order) and where its defaults
/// stand: below the command line and the HPCRUN_* variables, above the built-in defaults.</summary>
public class SiteConfigTests
{
    private const string Main = "/etc/hpcrun/hpcrun.conf", DropIn = "/etc/hpcrun/hpcrun.conf.d/10-site.conf";

    private static SiteConfig Parse(string main, string? dropIn = null) =>
        SiteConfig.Parse([new SiteConfigFile(Main, main),
            .. dropIn is null ? [] : new[] { new SiteConfigFile(DropIn, dropIn) }]);

    private static HpcRunException Invalid(string main, string? dropIn = null)
    {
        var error = Assert.Throws<HpcRunException>(() => Parse(main, dropIn));
        Assert.Equal(ExitCode.SiteConfigInvalid, error.Code);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public void ReadsEveryKeyAroundCommentsAndBlankLines()
    {
        SiteConfig config = Parse("""
            # site defaults
              mpi = host
            mpi-compat=full

            rdma = mlx5_0,mlx5_1
            rdma-libs = image
            	# an indented comment
            bind = /scratch
            bind = /work:/work:ro,/apps:/opt/apps
            cache-dir = /var/cache//hpcrun/
            """);

        Assert.Equal(MpiMode.Host, config.Mpi);
        Assert.Equal(MpiCompatibility.Full, config.MpiCompat);
        Assert.Equal(["mlx5_0", "mlx5_1"], config.Rdma!.Names);
        Assert.Equal(RdmaLibraries.Image, config.RdmaLibs);
        Assert.Equal("/var/cache/hpcrun", config.CacheDirectory);
        Assert.Equal([new BindSpec("/scratch", "/scratch", false), new BindSpec("/work", "/work", true),
            new BindSpec("/apps", "/opt/apps", false)], config.Binds.Select(b => b.Bind));
        Assert.Equal([$"{Main}:8", $"{Main}:9", $"{Main}:9"], config.Binds.Select(b => b.Origin));
        Assert.Equal([Main], config.Files);
    }

    /// <summary>HPCRUN_CONFIG names a file every job reads: a relative one would be another file in each job's
    /// working directory, refused with the configuration's status; unset or empty, the default file.</summary>
    [Fact]
    public void TheVariableNamesAFileByItsAbsolutePath()
    {
        Assert.Equal("/etc/mine.conf",
            SiteConfig.NamedFile(new Dictionary<string, string> { ["HPCRUN_CONFIG"] = "/etc/mine.conf" }));
        Assert.Null(SiteConfig.NamedFile(new Dictionary<string, string> { ["HPCRUN_CONFIG"] = "" }));
        var e = Assert.Throws<HpcRunException>(() =>
            SiteConfig.NamedFile(new Dictionary<string, string> { ["HPCRUN_CONFIG"] = "site.conf" }));
        Assert.Equal((ExitCode.SiteConfigInvalid, "HPCRUN_CONFIG must be an absolute path, not 'site.conf': each " +
            "job would read the file of that name in its own working directory"), (e.Code, e.Message));
    }

    [Fact]
    public void NoFilesAreTheBuiltInDefaults()
    {
        SiteConfig config = SiteConfig.Parse([]);
        Assert.Equal(SiteConfig.None, config);
        Assert.Null(config.Mpi);
        Assert.Empty(config.Binds);
    }

    [Fact]
    public void ALaterFileReplacesSingleValuesAndAddsToLists()
    {
        SiteConfig config = Parse("mpi = host\nrdma = none\nbind = /scratch\n", "mpi = none\nbind = /projects\n");

        Assert.Equal(MpiMode.None, config.Mpi);
        Assert.Equal(RdmaSelection.None, config.Rdma);
        Assert.Equal(["/scratch", "/projects"], config.Binds.Select(b => b.Bind.Target));
        Assert.Equal([Main, DropIn], config.Files);
    }

    [Fact]
    public void ALaterBindOntoTheSameDestinationReplacesTheEarlierOne()
    {
        SiteConfig config = Parse("bind = /scratch\nbind = /apps\n", "bind = /lustre/scratch:/scratch:ro\n");
        Assert.Equal([new BindSpec("/apps", "/apps", false), new BindSpec("/lustre/scratch", "/scratch", true)],
            config.Binds.Select(b => b.Bind));
        Assert.Equal($"{DropIn}:1", config.Binds[1].Origin);
    }

    [Fact]
    public void AnEmptyValueResetsTheKeyToItsBuiltInDefault()
    {
        SiteConfig config = Parse("mpi = host\nbind = /scratch\ncache-dir = /cache\nmksquashfs-args = -comp xz\n",
            "mpi =\nbind =\nbind = /apps\ncache-dir=\nmksquashfs-args =\n");
        Assert.Null(config.Mpi);
        Assert.Null(config.CacheDirectory);
        Assert.Null(config.MksquashfsArgs);
        Assert.Equal(["/apps"], config.Binds.Select(b => b.Bind.Source));
    }

    [Theory]
    [InlineData("mpi = host\nmpi_compat = full\n",
        Main + ":2: unknown key 'mpi_compat' (known: bind, cache-dir, gpu, mksquashfs-args, mpi, mpi-compat, rdma, "
            + "rdma-libs, sessiondir-max-size)")]
    [InlineData("sessiondir-max-size = 64M\n",
        Main + ":1: sessiondir-max-size: '64M' is not a size in MiB (a whole number up to 1073741824; 0: no cap)")]
    [InlineData("sessiondir-max-size = -1\n", Main + ":1: sessiondir-max-size: '-1' is not a size in MiB")]
    [InlineData("sessiondir-max-size = 2000000000\n", Main + ":1: sessiondir-max-size: '2000000000' is not a size")]
    [InlineData("gpu = all\n", Main + ":1: gpu: bad GPU selection 'all'")]
    [InlineData("\n\nmpi host\n", Main + ":3: expected 'key = value', not 'mpi host'")]
    [InlineData("mpi = hots\n", Main + ":1: mpi: expected one of host, container, none, not 'hots'")]
    [InlineData("mpi = host # ours\n", Main + ":1: a comment must be on a line of its own")]
    [InlineData("bind = /x:/s2 # fast disk\n", Main + ":1: a comment must be on a line of its own")]
    [InlineData("mpi-compat = loose\n", Main + ":1: mpi-compat: expected one of major, full, strict, not 'loose'")]
    [InlineData("rdma = mlx5_0,../x\n", Main + ":1: rdma: bad RDMA selection 'mlx5_0,../x'")]
    [InlineData("rdma-libs = mine\n", Main + ":1: rdma-libs: bad RDMA library choice 'mine'")]
    [InlineData("bind = /a:/b:rx\n", Main + ":1: bad bind '/a:/b:rx': mode must be ro or rw, not 'rx'")]
    [InlineData("bind = /a:b\n", Main + ":1: bad bind '/a:b': the destination must be an absolute path")]
    [InlineData("bind = scratch:/scratch\n", Main + ":1: bind: 'scratch' is not an absolute path")]
    [InlineData("bind = /a,relative/path\n", Main + ":1: bind: 'relative/path' is not an absolute path")]
    [InlineData("cache-dir = cache\n", Main + ":1: cache-dir: 'cache' is not an absolute path")]
    [InlineData("mksquashfs-args = -noappend\n", Main + ":1: mksquashfs-args: hpcrun does not pass -noappend on")]
    public void ABadLineIsOneLineNamingFileAndLine(string text, string message) =>
        Assert.StartsWith(message, Invalid(text).Message);

    /// <summary>sessiondir-max-size, Apptainer's `sessiondir max size`: MiB, 64 unless the site says otherwise (0: no
    /// cap); it caps each tmpfs the job writes in.</summary>
    [Fact]
    public void SessiondirMaxSizeCapsTheJobsTmpfsAt64MiBUnlessTheSiteSaysOtherwise()
    {
        Assert.Equal(64u, SiteConfig.DefaultSessionDirMaxSize);
        Assert.Null(SiteConfig.None.SessionDirMaxSize);
        Assert.Equal(256u, Parse("sessiondir-max-size = 256\n").SessionDirMaxSize);
        Assert.Equal(0u, Parse("sessiondir-max-size = 256\n", "sessiondir-max-size = 0\n").SessionDirMaxSize);
        Assert.Null(Parse("sessiondir-max-size = 256\n", "sessiondir-max-size =\n").SessionDirMaxSize);
        ContainerPlan Plan(SiteConfig site) => PlanFixture.Plan(PlanFixture.Context(
            new LaunchRequest { Image = "i", WritableTmpfs = true }, PlanFixture.Host() with { Site = site }));
        Assert.Equal((64u, "mode=0755,size=64m"), (Plan(SiteConfig.None).TmpfsSizeMiB,
            Plan(SiteConfig.None).TmpfsOptions("0755")));
        Assert.Equal("mode=0700,size=8m", Plan(Parse("sessiondir-max-size = 8\n")).TmpfsOptions("0700"));
        Assert.Equal("mode=0755", Plan(Parse("sessiondir-max-size = 0\n")).TmpfsOptions("0755"));
    }

    [Fact]
    public void ABadDropInIsNamedByItsOwnPath() =>
        Assert.StartsWith($"{DropIn}:2: unknown key 'binds'",
            Invalid("mpi = host\n", "bind = /a\nbinds = /b\n").Message);

    [Theory]
    [InlineData(null, null, null, MpiMode.Container)]
    [InlineData(null, null, MpiMode.None, MpiMode.None)]
    [InlineData(null, "host", MpiMode.None, MpiMode.Host)]
    [InlineData(MpiMode.Container, "host", MpiMode.None, MpiMode.Container)]
    [InlineData(null, "", MpiMode.None, MpiMode.None)]
    public void MpiModeIsTheOptionElseTheVariableElseTheSiteElseContainer(MpiMode? option, string? variable,
        MpiMode? site, MpiMode expected)
    {
        Dictionary<string, string> environment =
            variable is null ? [] : new() { [MpiSettings.ModeVariable] = variable };
        var request = new LaunchRequest { Image = "/app.sqfs", Mpi = option };
        Assert.Equal(expected, MpiPart.Mode(request, environment, new SiteConfig { Mpi = site }).Value);
    }

    [Theory]
    [InlineData(null, null, null, MpiCompatibility.Major)]
    [InlineData(null, null, MpiCompatibility.Strict, MpiCompatibility.Strict)]
    [InlineData(null, "full", MpiCompatibility.Strict, MpiCompatibility.Full)]
    [InlineData(MpiCompatibility.Major, "full", MpiCompatibility.Strict, MpiCompatibility.Major)]
    public void MpiCompatibilityIsTheOptionElseTheVariableElseTheSiteElseMajor(MpiCompatibility? option,
        string? variable, MpiCompatibility? site, MpiCompatibility expected)
    {
        Dictionary<string, string> environment =
            variable is null ? [] : new() { [MpiSettings.CompatibilityVariable] = variable };
        var request = new LaunchRequest { Image = "/app.sqfs", MpiCompat = option };
        Assert.Equal(expected, MpiPart.Compatibility(request, environment, new SiteConfig { MpiCompat = site }).Value);
    }

    /// <summary>This host has no RDMA device: a named one is status 74, so the name that wins shows.</summary>
    [Theory]
    [InlineData(null, null, "mlx5_9", true)]
    [InlineData(null, "none", "mlx5_9", false)]
    [InlineData(null, "mlx5_9", "none", true)]
    [InlineData("none", "mlx5_9", "mlx5_9", false)]
    [InlineData(null, null, null, false)]
    public void RdmaIsTheOptionElseTheVariableElseTheSiteElseAuto(string? option, string? variable, string? site,
        bool refused)
    {
        Dictionary<string, string> environment =
            variable is null ? [] : new() { [RdmaSelection.EnvironmentVariable] = variable };
        var host = PlanFixture.Host(environment) with
        {
            Site = new SiteConfig { Rdma = site is null ? null : RdmaSelection.Parse(site) },
        };
        var request = new LaunchRequest
        {
            Image = "/app.sqfs",
            Rdma = option is null ? null : RdmaSelection.Parse(option),
        };
        void Contribute() => new RdmaPart().Contribute(PlanFixture.Context(request, host), new PlanBuilder());

        if (refused) Assert.Equal(ExitCode.RdmaDeviceNotFound, Assert.Throws<HpcRunException>(Contribute).Code);
        else Contribute();
    }

    [Fact]
    public void SiteBindsComeFirstAndAUserBindOntoTheSameDestinationReplacesOne()
    {
        ContainerPlan plan = PlanWithSiteBinds(["/scratch", "/work:/work:ro"],
            new BindSpec("/home/alice/w", "/work", false));
        Assert.Equal([("/lustre/scratch", "/scratch", false), ("/home/alice/w", "/work", false)],
            plan.Mounts.Where(m => m.Target is "/scratch" or "/work").Select(m => (m.Source, m.Target, m.ReadOnly)));
    }

    [Fact]
    public void ASiteBindWhoseSourceThisNodeLacksIsLeftOut()
    {
        ContainerPlan plan = PlanWithSiteBinds(["/scratch", "/nvme:/local"]);
        Assert.Contains(plan.Mounts, m => m.Target == "/scratch");
        Assert.DoesNotContain(plan.Mounts, m => m.Target == "/local");
    }

    [Fact]
    public void AUserBindWhoseSourceIsMissingIsStillAnError()
    {
        var error = Assert.Throws<HpcRunException>(
            () => PlanWithSiteBinds(["/scratch"], new BindSpec("/nvme", "/local", false)));
        Assert.Equal(ExitCode.BindSourceNotFound, error.Code);
    }

    /// <summary>A plan with these site binds and user binds; /scratch is a symlink to /lustre/scratch here,
    /// /nvme is missing.</summary>
    private static ContainerPlan PlanWithSiteBinds(string[] siteBinds, params BindSpec[] userBinds)
    {
        SiteConfig site = Parse(string.Join('\n', siteBinds.Select(b => $"bind = {b}")));
        HostFacts host = PlanFixture.Host() with
        {
            Site = site,
            ResolvedPaths = new Dictionary<string, string?>(PlanFixture.Host().ResolvedPaths)
            {
                ["/scratch"] = "/lustre/scratch",
                ["/work"] = "/work",
                ["/home/alice/w"] = "/home/alice/w",
                ["/nvme"] = null,
            },
        };
        var request = new LaunchRequest { Image = "/images/app.sqfs", Binds = userBinds };
        return PlanFixture.Plan(PlanFixture.Context(request, host,
            files: new() { ["/bin/sh"] = "", ["/scratch"] = null, ["/work"] = null, ["/local"] = null }));
    }
}
