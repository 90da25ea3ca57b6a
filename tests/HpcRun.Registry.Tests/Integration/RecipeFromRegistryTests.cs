using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>`hpcrun build OUT Dockerfile|X.def` whose FROM is a reference in a real docker-registry: pulled into the
/// image cache, its config (ENV, CMD) kept under the recipe's.</summary>
[Collection(RegistryCollection.Name)]
public sealed class RecipeFromRegistryTests(RegistryFixture registry) : IDisposable
{
    private readonly string dir = WritableDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private Dictionary<string, string> Env => new()
    {
        ["HPCRUN_INSECURE"] = "1",
        ["HPCRUN_CACHEDIR"] = Path.Combine(dir, "cache"),
    };

    [Theory]
    [InlineData("Dockerfile", "FROM {0}\nRUN cat /data/kept > /copied\n")]
    [InlineData("app.def", "Bootstrap: docker\nFrom: {0}\n\n%post\n    cat /data/kept > /copied\n")]
    public void A_recipe_builds_from_a_registry_reference_with_its_config(string name, string recipe)
    {
        File.WriteAllText(Path.Combine(dir, name), string.Format(recipe, $"{registry.Plain.Host}/test/app:1"));
        var build = Hpcrun.Run(["build", "app.sif", name], Env, cwd: dir);
        Assert.True(build.ExitCode == 0, build.ToString());
        string sif = Path.Combine(dir, "app.sif");
        Assert.Equal("kept\nhello from the registry\n",
            Hpcrun.Run([sif, "/bin/sh", "-c", "cat /copied; echo \"$GREETING\""], Env).Stdout);
        Assert.Equal("kept\n", Hpcrun.Run([sif], Env).Stdout); // the base image's Cmd
    }

    /// <summary>A definition file's `Registry:` and `Namespace:` go before `From:`, as Apptainer's docker bootstrap
    /// puts them: the image comes from that registry, not from Docker Hub's library.</summary>
    [Fact]
    public void Registry_and_namespace_headers_name_the_registry_and_repository()
    {
        File.WriteAllText(Path.Combine(dir, "app.def"), $"Bootstrap: docker\nRegistry: {registry.Plain.Host}\n" +
            "Namespace: test\nFrom: app:1\n\n%post\n    cat /data/kept > /copied\n");
        var build = Hpcrun.Run(["build", "app.sif", "app.def"], Env, cwd: dir);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains($"] line 4: Bootstrap: docker From: app:1 Registry: {registry.Plain.Host} Namespace: test\n",
            build.Stderr);
        Assert.Equal("kept\n", Hpcrun.Run([Path.Combine(dir, "app.sif"), "cat", "/copied"], Env).Stdout);
    }

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"recipe-registry-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }
}
