using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>Apptainer's spellings of pull's options: --no-https and --nohttps (plain HTTP, hpcrun's --insecure),
/// --disable-cache (no image cache: pull OUT never uses one), -F/--force (overwrite OUT), and the variables Apptainer
/// reads for them (APPTAINER_NOHTTPS, _NO_HTTPS, _DISABLE_CACHE, _FORCE, _PULLDIR, _PULLFOLDER and their SINGULARITY_
/// forms), which batch scripts written for Apptainer set.</summary>
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
        Assert.Equal(80, Hpcrun.Run(["pull", Out, registry.PlainRef("test/app:1")], env).ExitCode);
        Assert.Equal("mine", File.ReadAllText(Out));
        CommandResult forced = Hpcrun.Run(["pull", option, Out, registry.PlainRef("test/app:1")], env);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("kept\n", Hpcrun.Run(Out).Stdout);
    }

    /// <summary>Apptainer's --no-https variables speak plain HTTP for pull, build and a launch of docker://REF (its
    /// pull, then its own check of the cached tag), as HPCRUN_INSECURE does; HPCRUN_INSECURE=0 beats them.</summary>
    [Theory]
    [InlineData("APPTAINER_NOHTTPS", "1")]
    [InlineData("APPTAINER_NO_HTTPS", "true")]
    [InlineData("SINGULARITY_NOHTTPS", "T")]
    [InlineData("SINGULARITY_NO_HTTPS", "1")]
    public void Apptainers_no_https_variables_speak_plain_http_for_pull_build_and_a_launch(string name, string word)
    {
        var env = new Dictionary<string, string> { [name] = word, ["HPCRUN_CACHEDIR"] = Path.Combine(dir, "cache") };
        string reference = registry.PlainRef("test/app:1");
        CommandResult pull = Hpcrun.Run(["pull", Out, reference], env);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        CommandResult build = Hpcrun.Run(["build", Path.Combine(dir, "built.sif"), reference], env);
        Assert.True(build.ExitCode == 0, build.ToString());
        CommandResult cold = Hpcrun.Run([reference], env); // hpcrun-tools pulls it into the cache
        Assert.True(cold.ExitCode == 0, cold.ToString());
        CommandResult warm = Hpcrun.Run([reference], env); // the launcher asks about the tag itself: no warning
        Assert.Equal((0, "kept\n", ""), (warm.ExitCode, warm.Stdout, warm.Stderr));
        CommandResult overruled = Hpcrun.Run(["pull", "-F", Out, reference],
            new Dictionary<string, string>(env) { ["HPCRUN_INSECURE"] = "0" });
        Assert.Equal(101, overruled.ExitCode); // HTTPS to the plain registry: hpcrun's own variable first
    }

    /// <summary>A variable is read where no option decides: a word Go's ParseBool refuses is refused there (64), and
    /// the option given leaves it unread, as build's variables are (the option first, then the variable).</summary>
    [Fact]
    public void A_word_apptainer_refuses_in_its_variables_is_refused_naming_the_variable()
    {
        string reference = registry.PlainRef("test/app:1");
        foreach (string name in new[] { "APPTAINER_NOHTTPS", "SINGULARITY_FORCE", "APPTAINER_DISABLE_CACHE" })
        {
            CommandResult pull = Hpcrun.Run(["pull", Out, reference],
                new Dictionary<string, string> { [name] = "yes" });
            Assert.Equal((64, $"hpcrun: {name}: 'yes' is neither on (1, t, true) nor off (0, f, false)\n", ""),
                (pull.ExitCode, pull.Stderr, pull.Stdout));
            Assert.False(File.Exists(Out));
        }
        var unread = new Dictionary<string, string>
        { ["APPTAINER_NOHTTPS"] = "yes", ["SINGULARITY_FORCE"] = "yes", ["APPTAINER_DISABLE_CACHE"] = "yes" };
        foreach (int run in new[] { 1, 2 }) // the second overwrites OUT: -F given
        {
            CommandResult given = Hpcrun.Run(["pull", "--insecure", "-F", "--disable-cache", Out, reference], unread);
            Assert.True(given.ExitCode == 0, $"run {run}: {given}");
        }
    }

    /// <summary>APPTAINER_FORCE is -F, APPTAINER_PULLDIR (or _PULLFOLDER) is --dir, APPTAINER_DISABLE_CACHE is
    /// --disable-cache (what pull OUT does anyway); an option given beats its variable, and the variables of options
    /// that `pull --cache` (and so a launch's pull) contradicts are not read there.</summary>
    [Fact]
    public void Apptainers_force_pulldir_and_disable_cache_variables_act_as_their_options()
    {
        string reference = registry.PlainRef("test/app:1"), cache = Path.Combine(dir, "cache");
        var env = new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1", ["HPCRUN_CACHEDIR"] = cache };
        File.WriteAllText(Out, "mine");
        TestEnvironment.RunChecked("chmod", "a+rw", Out);
        CommandResult forced = Hpcrun.Run(["pull", Out, reference],
            new Dictionary<string, string>(env) { ["APPTAINER_FORCE"] = "1" });
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("kept\n", Hpcrun.Run(Out).Stdout);
        Assert.Equal(80, Hpcrun.Run(["pull", Out, reference],
            new Dictionary<string, string>(env) { ["APPTAINER_FORCE"] = "0" }).ExitCode);

        string pulls = Path.Combine(dir, "pulls"), flagged = Path.Combine(dir, "flagged");
        foreach (string place in new[] { pulls, flagged })
        {
            Directory.CreateDirectory(place);
            File.SetUnixFileMode(place, (UnixFileMode)0b111_111_111);
        }
        foreach (string name in new[] { "APPTAINER_PULLDIR", "SINGULARITY_PULLFOLDER" })
        {
            var into = new Dictionary<string, string>(env) { [name] = pulls, ["APPTAINER_DISABLE_CACHE"] = "1" };
            CommandResult pull = Hpcrun.Run(["pull", "-F", reference], into);
            Assert.True(pull.ExitCode == 0, pull.ToString());
            Assert.True(File.Exists(Path.Combine(pulls, "app_1.sif")));
            Assert.True(Hpcrun.Run(["pull", "-F", "--dir", flagged, reference], into).ExitCode == 0);
            Assert.True(File.Exists(Path.Combine(flagged, "app_1.sif")));
        }
        Assert.False(Directory.Exists(cache));
        var apptainers = new Dictionary<string, string>(env)
        { ["APPTAINER_DISABLE_CACHE"] = "1", ["APPTAINER_PULLDIR"] = pulls };
        CommandResult cached = Hpcrun.Run(["pull", "--cache", reference], apptainers);
        Assert.True(cached.ExitCode == 0, cached.ToString());
        Assert.StartsWith(Path.Combine(cache, "sif") + "/", cached.Stdout);
        Assert.Equal("kept\n", Hpcrun.Run([reference], apptainers).Stdout);
    }

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"apptainer-pull-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }
}
