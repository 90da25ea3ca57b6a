using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>Apptainer's spellings of pull's options: --no-https and --nohttps (plain HTTP, hpcrun's --insecure),
/// --disable-cache (no image cache: pull OUT never uses one), -F/--force (overwrite OUT).</summary>
[Collection(RegistryCollection.Name)]
public sealed class ApptainerPullOptionsTests(RegistryFixture registry) : IDisposable
{
    private readonly string dir = WritableDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private string Out => Path.Combine(dir, "app.sif");

    [Theory]
    [InlineData("--nohttps")]
    [InlineData("--no-https")]
    [InlineData("--insecure")]
    public void Apptainers_no_https_speaks_plain_http_as_insecure(string option)
    {
        CommandResult tls = Hpcrun.Run(["pull", Out, registry.PlainRef("test/app:1")]);
        Assert.NotEqual(0, tls.ExitCode); // HTTPS to a plain-HTTP registry fails: the option is what makes it work
        CommandResult pull = Hpcrun.Run(["pull", option, Out, registry.PlainRef("test/app:1")]);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("kept\n", Hpcrun.Run(Out).Stdout);
        CommandResult build = Hpcrun.Run(["build", option, Path.Combine(dir, "built.sif"),
            registry.PlainRef("test/app:1")]);
        Assert.True(build.ExitCode == 0, build.ToString());
    }

    [Fact]
    public void Disable_cache_pulls_out_and_leaves_the_cache_alone()
    {
        string cache = Path.Combine(dir, "cache");
        var env = new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1", ["HPCRUN_CACHEDIR"] = cache };
        CommandResult pull = Hpcrun.Run(["pull", "--disable-cache", Out, registry.PlainRef("test/app:1")], env);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.True(File.Exists(Out));
        Assert.False(Directory.Exists(cache));
        CommandResult both = Hpcrun.Run(["pull", "--cache", "--disable-cache", registry.PlainRef("test/app:1")], env);
        Assert.Equal((64, "hpcrun: pull: --cache and --disable-cache contradict each other\n", ""),
            (both.ExitCode, both.Stderr, both.Stdout));
        Assert.False(Directory.Exists(cache));
    }

    [Theory]
    [InlineData("-F")]
    [InlineData("--force")]
    public void Force_overwrites_out_as_apptainers(string option)
    {
        var env = new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1" };
        File.WriteAllText(Out, "mine");
        TestEnvironment.RunChecked("chmod", "a+rw", Out);
        Assert.Equal(108, Hpcrun.Run(["pull", Out, registry.PlainRef("test/app:1")], env).ExitCode);
        Assert.Equal("mine", File.ReadAllText(Out));
        CommandResult forced = Hpcrun.Run(["pull", option, Out, registry.PlainRef("test/app:1")], env);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("kept\n", Hpcrun.Run(Out).Stdout);
    }

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"apptainer-pull-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }
}
