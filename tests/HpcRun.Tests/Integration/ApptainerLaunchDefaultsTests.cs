using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>What an Apptainer user's job finds as Apptainer leaves it: the host files --no-mount leaves out, the
/// proxies and LANG of a clean environment, APPTAINER_BIND and APPTAINER_COMMAND.</summary>
[Collection(ContainerCollection.Name)]
public class ApptainerLaunchDefaultsTests(ContainerFixture busybox, ApptainerImages images)
    : IClassFixture<ApptainerImages>
{
    private static readonly string[] HostFiles = ["/etc/hosts", "/etc/localtime", "/etc/resolv.conf"];

    /// <summary>Each host file: bound over (in the job's mount table), the image's, or absent.</summary>
    private static readonly string WhoseFiles = string.Concat(HostFiles.Select(f =>
        $"if grep -q ' {f} ' /proc/self/mountinfo; then echo {f}=host; " +
        $"elif [ -e {f} ]; then echo {f}=image; else echo {f}=absent; fi; "));

    private static string[] Lines(CommandResult result) =>
        result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The busybox image has none of them: each one left out is absent, not the host's.</summary>
    [Theory]
    [InlineData("/etc/hosts")]
    [InlineData("/etc/localtime,/etc/resolv.conf")]
    [InlineData("bind-paths")]
    public void NoMountLeavesOutTheHostsHostsLocaltimeAndResolvConf(string words)
    {
        string[] onHost = [.. HostFiles.Where(File.Exists)];
        Assert.Contains("/etc/hosts", onHost);
        string[] left = words == "bind-paths" ? HostFiles : words.Split(',');
        string[] expected = [.. onHost.Select(f => left.Contains(f) ? $"{f}=absent" : $"{f}=host")];
        foreach (var (options, env) in new (string[], Dictionary<string, string>?)[]
                 {
                     (["--no-mount", words], null), (["--contain", "--no-mount", words], null),
                     ([], new() { ["APPTAINER_NO_MOUNT"] = words }),
                 })
        {
            var result = Hpcrun.Run([.. options, busybox.Image, "sh", "-c", WhoseFiles], env);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(expected, Lines(result).Where(l => onHost.Any(f => l.StartsWith($"{f}="))));
        }
    }

    [Theory]
    [InlineData("--cleanenv")]
    [InlineData("--containall")]
    public void CleanEnvPassesTheProxiesAndSetsLangToC(string option)
    {
        var env = new Dictionary<string, string>
        {
            ["http_proxy"] = "http://proxy:3128",
            ["HTTPS_PROXY"] = "http://proxy:3128",
            ["no_proxy"] = "localhost",
            ["LANG"] = "en_US.UTF-8",
            ["OTHER"] = "host",
        };
        var result = Hpcrun.Run([option, busybox.Image, "sh", "-c",
            "echo http_proxy=$http_proxy HTTPS_PROXY=$HTTPS_PROXY no_proxy=$no_proxy LANG=$LANG OTHER=$OTHER " +
            "USER=$USER"], env);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("http_proxy=http://proxy:3128 HTTPS_PROXY=http://proxy:3128 no_proxy=localhost LANG=C OTHER= " +
            "USER=\n", result.Stdout);
    }

    /// <summary>Also in an image with environment scripts (Apptainer's layout), which do not see them.</summary>
    [Fact]
    public void BindAndCommandNameTheUsersBindsAndTheAction()
    {
        const string Show = "echo BIND=$APPTAINER_BIND SBIND=$SINGULARITY_BIND COMMAND=$APPTAINER_COMMAND";
        var exec = Hpcrun.Run(["exec", "-B", "/tmp:/m1", "--mount", "src=/tmp,dst=/m2", images.Sif, "sh", "-c", Show],
            new Dictionary<string, string> { ["APPTAINER_BIND"] = "/tmp:/m3" });
        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal("BIND=/m1,/m3,/m2 SBIND=/m1,/m3,/m2 COMMAND=exec\n", exec.Stdout);
        var shell = Hpcrun.Run(["shell", busybox.Image], stdin: Show + "\n");
        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.Equal("BIND= SBIND= COMMAND=shell\n", shell.Stdout);
    }
}
