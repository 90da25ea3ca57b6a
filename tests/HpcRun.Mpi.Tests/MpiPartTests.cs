using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Mpi.Tests;

/// <summary>The MPI part inside a whole plan, against fixture trees for the host and the image.</summary>
public class MpiPartTests
{
    private static ContainerPlan Plan(RootedFiles image, LaunchRequest request, Dictionary<string, string>? env = null,
        RootedFiles? host = null, Dictionary<string, string?>? resolved = null, ImageConfig? config = null,
        SiteConfig? site = null)
    {
        env ??= [];
        var facts = new HostFacts
        {
            Environment = env,
            Uid = 1001,
            Gid = 100,
            PasswdLine = "alice:x:1001:100::/home/alice:/bin/sh",
            GroupLine = "users:x:100:",
            Home = "/home/alice",
            Cwd = "/home/alice",
            ResolvedPaths = resolved ?? [],
            Mpi = host is null ? null : HostMpiReader.Read(env, host, host.LdCache()),
            Site = site ?? SiteConfig.None,
        };
        return Planner.Decide(new LaunchContext(request, new ImageSource(image.Root, ImageKind.Directory),
            config ?? ImageConfig.Empty, image.Tree(), facts));
    }

    private static LaunchRequest Request(MpiMode? mode) => new() { Image = "img", Command = ["./app"], Mpi = mode };

    [Fact]
    public void HostModeBindsHostMpiAndPrependsTheLibraryPath()
    {
        ContainerPlan plan = Plan(Fixtures.MpichImage, Request(MpiMode.Host), host: Fixtures.MpichHost,
            config: new ImageConfig { Env = ["LD_LIBRARY_PATH=/opt/app/lib"] });
        Assert.Contains(MountSpec.Bind("/lib/libmpich.so.12.2.2", "/lib/libmpich.so.12.1.0", readOnly: true),
            plan.Mounts);
        Assert.Contains(MountSpec.Bind("/lib/libdep.so.1.0.0", "/.hpcrun/mpi/lib/libdep.so.1", readOnly: true),
            plan.Mounts);
        Assert.Equal("/.hpcrun/mpi/lib:/opt/app/lib", plan.Environment.Single(e => e.Key == "LD_LIBRARY_PATH").Value);
        const string bind = "MPI: host /lib/libdep.so.1.0.0 on /.hpcrun/mpi/lib/libdep.so.1";
        Assert.Contains(new PlanMessage(MessageLevel.Debug, bind), plan.Messages);
        Assert.Equal("MPI: 3 host libraries injected into /.hpcrun/mpi/lib",
            Assert.Single(plan.Messages, m => m.Level == MessageLevel.Information).Text);
    }

    [Fact]
    public void SharedMemorySettingsSuitARanksSeparateNamespaceUnlessTheUserChose()
    {
        var rank = new Dictionary<string, string> { ["SLURM_STEP_ID"] = "0" };
        var environment = Plan(Fixtures.NoMpiImage, Request(MpiMode.Container), rank).Environment;
        Assert.All(MpiPart.SeparateNamespaceDefaults, setting => Assert.Contains(setting, environment));
        var chosen = new Dictionary<string, string>(rank) { ["UCX_POSIX_USE_PROC_LINK"] = "y" };
        Assert.Contains(KeyValuePair.Create("UCX_POSIX_USE_PROC_LINK", "y"),
            Plan(Fixtures.NoMpiImage, Request(MpiMode.Container), chosen).Environment);
        Assert.DoesNotContain(MpiPart.SeparateNamespaceDefaults[0],
            Plan(Fixtures.NoMpiImage, Request(MpiMode.None), rank).Environment);
    }

    [Fact]
    public void ALaunchOutsideAnyLauncherNeedsNoSharedMemorySettings()
    {
        var environment = Plan(Fixtures.NoMpiImage, Request(MpiMode.Container)).Environment;
        Assert.All(MpiPart.SeparateNamespaceDefaults,
            setting => Assert.DoesNotContain(setting.Key, environment.Select(e => e.Key)));
    }

    [Fact]
    public void TheVariableHpcrunMpiSetsTheModeWhereNoOptionDoes()
    {
        var env = new Dictionary<string, string> { [MpiSettings.ModeVariable] = "host" };
        SiteConfig site = SiteConfig.None;
        Assert.Equal(MpiMode.Host, MpiPart.Mode(Request(null), env, site).Value);
        Assert.Equal(MpiMode.None, MpiPart.Mode(Request(MpiMode.None), env, site).Value);
        Assert.Equal(MpiMode.Container, MpiPart.Mode(Request(null), new Dictionary<string, string>(), site).Value);
        var bad = new Dictionary<string, string> { [MpiSettings.ModeVariable] = "bind" };
        Assert.Equal(ExitCode.Usage, Assert.Throws<HpcRunException>(() => MpiPart.Mode(Request(null), bad, site)).Code);
    }

    [Fact]
    public void RefusesAnIncompatiblePairBeforeLaunch()
    {
        var e = Assert.Throws<HpcRunException>(() =>
            Plan(Fixtures.OpenMpiImage, Request(MpiMode.Host), host: Fixtures.MpichHost));
        Assert.Equal(ExitCode.MpiIncompatible, e.Code);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A refusal of host MPI names the variable or the site configuration's line that chose it, and its
    /// compatibility level, where the user did not type them (it said --mpi=host, typed or not); the level's words
    /// name no option either.</summary>
    [Fact]
    public void ARefusalNamesWhereHostMpiAndItsLevelCameFromUnlessTyped()
    {
        SiteConfig site = SiteConfig.Parse([new SiteConfigFile("/etc/hpcrun/hpcrun.conf", "mpi = host\n")]);
        string Refusal(LaunchRequest request, Dictionary<string, string> env, RootedFiles image) =>
            Assert.Throws<HpcRunException>(() => Plan(image, request, env, host: Fixtures.MpichHost, site: site))
                .Message;

        Assert.EndsWith("different MPI ABIs (from /etc/hpcrun/hpcrun.conf:1)",
            Refusal(Request(null), [], Fixtures.OpenMpiImage));
        Assert.EndsWith("different MPI ABIs (from HPCRUN_MPI)",
            Refusal(Request(null), new() { ["HPCRUN_MPI"] = "host" }, Fixtures.OpenMpiImage));
        Assert.EndsWith("different MPI ABIs", Refusal(Request(MpiMode.Host), [], Fixtures.OpenMpiImage));
        string strict = Refusal(Request(null), new() { ["HPCRUN_MPI_COMPAT"] = "strict" }, Fixtures.MpichImage);
        Assert.EndsWith("versions differ (compatibility level strict) (from /etc/hpcrun/hpcrun.conf:1, " +
            "HPCRUN_MPI_COMPAT)", strict);
    }

    /// <summary>HPCRUN_MPI_LIBS and HPCRUN_MPI_BIND name host paths: a relative one would be read in each job's
    /// working directory (and bound at no path inside), so host MPI refuses it, naming the variable.</summary>
    [Theory]
    [InlineData("HPCRUN_MPI_BIND", "/etc/openmpi:etc/pmix", "etc/pmix")]
    [InlineData("HPCRUN_MPI_LIBS", "lib/libmpi.so.40", "lib/libmpi.so.40")]
    public void HostMpiRefusesARelativePathInItsVariables(string variable, string value, string relative)
    {
        var e = Assert.Throws<HpcRunException>(() => Plan(Fixtures.MpichImage, Request(MpiMode.Host),
            env: new() { [variable] = value }, host: Fixtures.MpichHost));
        Assert.Equal((ExitCode.Usage, $"{variable} must list absolute paths, not '{relative}': each job would read " +
            "it in its own working directory"), (e.Code, e.Message));
        Assert.NotNull(Plan(Fixtures.MpichImage, Request(MpiMode.Container), env: new() { [variable] = value }));
    }

    /// <summary>--contain's private /tmp hid Open MPI's PMIx server directory (/tmp/ompi.HOST.UID/pid.N, its shared
    /// memory store): a rank said "PMIX ERROR: ... gds_ds12_lock_pthread.c". It is bound inside that tmpfs; the
    /// tmpfs's own path (TMPDIR=/tmp, PMIX_SYSTEM_TMPDIR=/tmp) stays private, and so does --contain's /var/tmp.
    /// </summary>
    [Fact]
    public void ThePmixServerDirectoryIsReachableInsideContainsPrivateTmp()
    {
        const string server = "/tmp/ompi.node1.1001/pid.77";
        var env = new Dictionary<string, string>
        {
            ["PMIX_SERVER_TMPDIR"] = server,
            ["PMIX_SYSTEM_TMPDIR"] = "/tmp",
            ["TMPDIR"] = "/tmp",
            ["OMPI_COMM_WORLD_RANK"] = "0",
        };
        var resolved = new Dictionary<string, string?> { [server] = server, ["/tmp"] = "/tmp" };
        ContainerPlan plan = Plan(Fixtures.NoMpiImage, Request(MpiMode.Container) with { Contain = true }, env,
            resolved: resolved);
        Assert.Contains(MountSpec.Bind(server, server), plan.Mounts);
        Assert.Equal(MountKind.Tmpfs, Assert.Single(plan.Mounts, m => m.Target == "/tmp").Kind);
        Assert.DoesNotContain(plan.Mounts, m => m.Target == server
            && Plan(Fixtures.NoMpiImage, Request(MpiMode.None) with { Contain = true }, env, resolved: resolved).Mounts
                .Contains(m));
    }

    [Fact]
    public void ThePmixServerDirectoryIsReachableWhenNotUnderTmp()
    {
        var env = new Dictionary<string, string>
        {
            ["PMIX_SERVER_TMPDIR"] = "/var/spool/slurmd/pmix.7.0",
            ["PMIX_SYSTEM_TMPDIR"] = "/tmp",
            ["SLURM_JOB_ID"] = "7",
        };
        var resolved = new Dictionary<string, string?>
        {
            ["/var/spool/slurmd/pmix.7.0"] = "/var/spool/slurmd/pmix.7.0",
            ["/tmp"] = "/tmp",
        };
        ContainerPlan plan = Plan(Fixtures.NoMpiImage, Request(MpiMode.Container), env, resolved: resolved);
        Assert.Contains(MountSpec.Bind("/var/spool/slurmd/pmix.7.0", "/var/spool/slurmd/pmix.7.0"), plan.Mounts);
        Assert.Single(plan.Mounts, m => m.Target == "/tmp");   // already shared by the host system part
        Assert.Equal("7", plan.Environment.Single(e => e.Key == "SLURM_JOB_ID").Value);
        Assert.DoesNotContain(plan.Mounts, m => m.Target == "/var/spool/slurmd/pmix.7.0"
            && Plan(Fixtures.NoMpiImage, Request(MpiMode.None), env, resolved: resolved).Mounts.Contains(m));
    }
}
