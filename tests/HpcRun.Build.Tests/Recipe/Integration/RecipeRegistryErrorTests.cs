using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>What a registry (or a reference) says of a recipe's base names the recipe's line, as every recipe error
/// does: it came alone ("cannot reach registry-1.docker.io:443: host not found"), and a misspelt stage in COPY
/// --from, taken for an image, looked like a network fault. Docker Hub's mirror here is a port that refuses.
/// </summary>
public sealed class RecipeRegistryErrorTests : IDisposable
{
    private readonly RecipeWorkspace work = new("recipe-registry");

    public RecipeRegistryErrorTests() => work.Env["HPCRUN_REGISTRY_MIRROR"] = "http://127.0.0.1:1";

    public void Dispose() => work.Dispose();

    private static string LastLine(CommandResult result) => result.Stderr.TrimEnd('\n').Split('\n')[^1];

    [Fact]
    public void A_reference_that_does_not_parse_names_its_from_line()
    {
        work.Write("Dockerfile", "# a base\nFROM Base:latest\n");
        var build = work.Build("out.sif", "Dockerfile");
        Assert.Equal((100, "hpcrun: Dockerfile:2: 'docker://Base:latest' is not an image reference: repository " +
            "names must be lowercase"), (build.ExitCode, LastLine(build)));
    }

    [Fact]
    public void A_pull_that_fails_names_the_line_and_copy_from_says_that_no_stage_has_the_name()
    {
        work.Write("Dockerfile", $"FROM {TestImages.BusyboxSquashFs}\nCOPY --from=nostage /x /x\n");
        const string refused = "cannot reach 127.0.0.1:1: the connection was refused (after 3 retries)";
        var copy = work.Build("out.sif", "Dockerfile");
        Assert.Equal((101, "hpcrun: Dockerfile:2: no stage named nostage; pulling " +
            $"docker://docker.io/library/nostage:latest: {refused}"), (copy.ExitCode, LastLine(copy)));
        work.Write("docker.def", "Bootstrap: docker\nFrom: debian:bookworm\n\n%post\n    echo hi\n");
        var def = work.Build("out.sif", "docker.def");
        Assert.Equal((101, $"hpcrun: docker.def:2: {refused}"), (def.ExitCode, LastLine(def)));
        work.AssertOnly();
    }
}
