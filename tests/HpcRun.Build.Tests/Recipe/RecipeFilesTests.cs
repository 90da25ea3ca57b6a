using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>Which files a recipe build reads: the arguments given the wrong way round, and the Dockerfile's own
/// ignore file over the context's.</summary>
public sealed class RecipeFilesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hpcrun-recipe-files-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Make(string name, string text = "FROM scratch\n")
    {
        string path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (name.EndsWith('/')) Directory.CreateDirectory(path);
        else File.WriteAllText(path, text);
        return path;
    }

    /// <summary>`hpcrun build Dockerfile out.sif`: OUT a recipe, SOURCE missing or an image file.</summary>
    [Theory]
    [InlineData("Dockerfile", "out.sif", false)]
    [InlineData("Dockerfile", "out.sif", true)]
    [InlineData("app.def", "app.sif", false)]
    [InlineData("build.txt", "missing", false)] // a recipe by its first line
    [InlineData("Containerfile", "out.SQFS", true)]
    public void Arguments_that_look_swapped_are_found(string output, string source, bool sourceExists)
    {
        Make(output);
        if (sourceExists) Make(source, "image");
        Assert.True(RecipeBuilder.LooksSwapped(Path.Combine(dir, output), Path.Combine(dir, source)));
    }

    /// <summary>`hpcrun build Dockerfile out.sqfs` where no Dockerfile is there: OUT named as a recipe and SOURCE an
    /// image file (it wrote a SIF named Dockerfile); a missing OUT of another name, or a SOURCE that names no image
    /// file, is a build.</summary>
    [Theory]
    [InlineData("Dockerfile", "out.sqfs", true)]
    [InlineData("x.def", "base.sif", true)]
    [InlineData("Containerfile.dev", "out.squashfs", true)]
    [InlineData("copy.sif", "base.sif", false)]
    [InlineData("Dockerfile", "rootfs", false)]
    public void A_missing_out_named_as_a_recipe_with_an_image_source_looks_swapped(string output, string source,
        bool swapped)
    {
        Make(source, "image");
        Assert.Equal(swapped, RecipeBuilder.LooksSwapped(Path.Combine(dir, output), Path.Combine(dir, source)));
    }

    [Theory]
    [InlineData("out.sif", "Dockerfile")] // the right way round
    [InlineData("Dockerfile", "rootfs/")] // a directory source, which the build's own checks take
    [InlineData("notes.txt", "missing")] // OUT no recipe
    [InlineData("Dockerfile", "docker://debian")] // a pull into a file that exists: that check says so
    public void Arguments_the_right_way_round_are_not(string output, string source)
    {
        Make(output == "out.sif" ? "Dockerfile" : output, output == "notes.txt" ? "some notes\n" : "FROM scratch\n");
        if (source.EndsWith('/')) Make(source);
        string sourcePath = source.Contains("://") ? source : Path.Combine(dir, source);
        Assert.False(RecipeBuilder.LooksSwapped(Path.Combine(dir, output), sourcePath));
    }

    /// <summary>A recipe by its name, or by its first lines when named like neither: a Dockerfile's first
    /// instruction is FROM, or ARG with a FROM later (after parser directives and comments); a definition file's
    /// first line is a header Apptainer knows, in any case, with a `Bootstrap:` among them. A definition file is
    /// read as one (<see cref="DefinitionFile.Is"/>): `Singularity` is Apptainer's conventional name.</summary>
    [Theory]
    [InlineData("app.docker", "ARG BASE=debian\nFROM $BASE\n", "Dockerfile")]
    [InlineData("app.docker", "# syntax=docker/dockerfile:1\n# a comment\n\n  from debian\n", "Dockerfile")]
    [InlineData("app.docker", "arg\tX=1\n# then\nFROM\tdebian\n", "Dockerfile")]
    [InlineData("Singularity", "Bootstrap: docker\nFrom: debian\n", "definition")]
    [InlineData("app.recipe", "From: debian\nBootstrap: docker\n", "definition")]
    [InlineData("app.recipe", "# a comment\n\nbootstrap: docker\nFROM: debian\n%post\n  true\n", "definition")]
    [InlineData("app.recipe", "Stage: one\nBOOTSTRAP: localimage\nFrom: base.sif\n", "definition")]
    [InlineData("app.docker", "ARG X=1\n", null)] // no FROM
    [InlineData("app.recipe", "From: debian\n%post\nBootstrap: docker\n", null)] // no Bootstrap in the header
    [InlineData("notes.txt", "Note: Bootstrap: docker\nBootstrap: docker\n", null)] // not a header Apptainer knows
    [InlineData("notes.txt", "FROMAGE\nFROM x\n", null)]
    [InlineData("notes.txt", "Arguments for FROM x\n", null)]
    public void A_recipe_is_known_by_its_name_or_its_first_lines(string name, string text, string? kind)
    {
        string path = Make(name, text);
        Assert.Equal(kind is not null, RecipeBuilder.IsRecipe(path));
        Assert.Equal(kind == "definition", DefinitionFile.Is(path, text));
        Assert.Equal(kind == "definition", DefinitionFile.IsFile(path));
    }

    /// <summary>BuildKit: `-f ctx/docker/app.dockerfile` reads ctx/docker/app.dockerfile.dockerignore before
    /// CONTEXT/.dockerignore.</summary>
    [Fact]
    public void The_dockerfile_own_ignore_file_wins_over_the_context_one()
    {
        string recipe = Make("ctx/docker/app.dockerfile"), context = Path.Combine(dir, "ctx");
        Assert.Null(ContextFiles.IgnoreFile(recipe, context));
        string shared = Make("ctx/.dockerignore", "keep.txt\n");
        Assert.Equal(shared, ContextFiles.IgnoreFile(recipe, context));
        string own = Make("ctx/docker/app.dockerfile.dockerignore", "secret.txt\n");
        Assert.Equal(own, ContextFiles.IgnoreFile(recipe, context));
        Make("ctx/keep.txt", "kept\n");
        Make("ctx/secret.txt", "no\n");
        ContextFiles files = ContextFiles.Open(context, own);
        var copy = new Instruction("COPY", new Dictionary<string, string>(), ". /", 3);
        Assert.Equal([".dockerignore", "docker", "docker/app.dockerfile", "docker/app.dockerfile.dockerignore",
                "keep.txt"],
            files.Select(["."], copy).Select(c => c.Relative));
        var e = Assert.Throws<ImageBuildException>(() => files.Select(["secret.txt"], copy));
        Assert.Equal("COPY at line 3: secret.txt is not in the build context (or app.dockerfile.dockerignore leaves " +
            "it out)", e.Message);
    }
}
