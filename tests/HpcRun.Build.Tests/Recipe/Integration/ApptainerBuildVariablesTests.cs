using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>Apptainer's variables of build's switches (APPTAINER_NOTEST, _DISABLE_CACHE, _FORCE and their
/// SINGULARITY_ spellings) follow one rule for every source: the option first, then the variable; a variable that
/// means nothing for the source is ignored, and a word Go's ParseBool refuses is refused (64) only where it is read.
/// </summary>
public sealed class ApptainerBuildVariablesTests : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"buildvars-{Guid.NewGuid():N}");

    public ApptainerBuildVariablesTests()
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        Write("t.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n\n%test\n    exit 4\n");
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo built > /built\n");
    }

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private void Write(string name, string text)
    {
        File.WriteAllText(Path.Combine(dir, name), text);
        TestEnvironment.OpenAllButTheCache(dir);
    }

    private CommandResult Build(Dictionary<string, string> variables, params string[] args) =>
        Hpcrun.Run(["build", .. args], new Dictionary<string, string>(variables)
        { ["HPCRUN_CACHEDIR"] = Path.Combine(dir, "cache") }, cwd: dir);

    private static string Refusal(string name) =>
        $"hpcrun: {name}: 'yes' is neither on (1, t, true) nor off (0, f, false)\n";

    [Theory]
    [InlineData("APPTAINER_NOTEST")]
    [InlineData("SINGULARITY_NOTEST")]
    [InlineData("APPTAINER_DISABLE_CACHE")]
    [InlineData("SINGULARITY_FORCE")]
    public void A_bad_word_is_refused_where_the_variable_decides(string name)
    {
        var build = Build(new() { [name] = "yes" }, "t.sif", "t.def");
        Assert.Equal((64, Refusal(name)), (build.ExitCode, build.Stderr));
        Assert.False(File.Exists(Path.Combine(dir, "t.sif")));
    }

    [Theory]
    [InlineData("APPTAINER_NOTEST", "--notest")]
    [InlineData("SINGULARITY_NOTEST", "-T")]
    [InlineData("APPTAINER_DISABLE_CACHE", "--disable-cache")]
    [InlineData("APPTAINER_FORCE", "--force")]
    public void The_option_given_leaves_its_variable_unread(string name, string option)
    {
        string[] options = option is "--notest" or "-T" ? [option] : [option, "--notest"]; // %test fails
        var build = Build(new() { [name] = "yes" }, [.. options, "t.sif", "t.def"]);
        Assert.True(build.ExitCode == 0, build.ToString());
    }

    [Fact]
    public void A_variable_that_means_nothing_for_the_source_is_ignored()
    {
        var both = new Dictionary<string, string> { ["APPTAINER_NOTEST"] = "yes", ["APPTAINER_DISABLE_CACHE"] = "yes" };
        var tree = Build(both, "tree.sif", TestImages.BusyboxTree); // a directory has no %test and no steps
        Assert.True(tree.ExitCode == 0, tree.ToString());
        var dockerfile = Build(new() { ["SINGULARITY_NOTEST"] = "yes" }, "d.sif", "Dockerfile"); // no %test
        Assert.True(dockerfile.ExitCode == 0, dockerfile.ToString());
    }
}
