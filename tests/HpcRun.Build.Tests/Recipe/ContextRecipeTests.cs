using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>`hpcrun build OUT DIR` by Docker's habit (`docker build .`): a directory that is no root file system but
/// holds a Dockerfile or Containerfile is a build context, refused with the recipe to build instead.</summary>
public sealed class ContextRecipeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hpcrun-context-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Make(string entries)
    {
        foreach (string entry in entries.Split(' '))
            if (entry.EndsWith('/')) Directory.CreateDirectory(Path.Combine(dir, entry));
            else File.WriteAllText(Path.Combine(dir, entry), "FROM scratch\n");
        return dir;
    }

    [Theory]
    [InlineData("Dockerfile app.py", "Dockerfile")]
    [InlineData("Containerfile src/", "Containerfile")]
    [InlineData("Dockerfile Containerfile", "Dockerfile")]
    public void A_context_gives_its_recipe(string entries, string recipe) =>
        Assert.Equal(Path.Combine(dir, recipe), RecipeBuilder.ContextRecipe(Make(entries)));

    [Theory]
    [InlineData("Dockerfile usr/ etc/")] // a root file system that keeps its recipe
    [InlineData("Dockerfile bin/")]
    [InlineData("app.py Dockerfile.dev")] // no recipe by the name docker build reads
    public void A_root_file_system_or_a_directory_without_a_recipe_is_built_as_it_is(string entries) =>
        Assert.Null(RecipeBuilder.ContextRecipe(Make(entries)));

    [Fact]
    public void A_file_or_a_missing_path_is_no_context() =>
        Assert.Null(RecipeBuilder.ContextRecipe(Path.Combine(Make("Dockerfile"), "Dockerfile")));
}
