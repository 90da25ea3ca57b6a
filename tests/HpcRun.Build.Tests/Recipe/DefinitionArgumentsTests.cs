using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>A definition file's `{{ NAME }}` build arguments and what %post gets, as Apptainer 1.2+ does
/// them.</summary>
public class DefinitionArgumentsTests
{
    private const string Def = """
        Bootstrap: docker
        From: debian:{{ TAG }}

        %arguments
            TAG=bookworm
            # a comment
            VERSION=1.0
            FULL={{ VERSION }}-{{TAG}}

        %post
            echo "version {{ VERSION }} {{FULL}}" > /version
            # {{ NOT_A_VARIABLE }} in a comment stays
        """;

    [Fact]
    public void Placeholders_take_the_build_arg_over_the_arguments_default_in_the_whole_file_and_it_is_stored()
    {
        var recipe = DefinitionFile.Parse(Def, new Dictionary<string, string> { ["VERSION"] = "2.5" });
        Stage stage = Assert.Single(recipe.Stages);
        Assert.Equal("docker://debian:bookworm", stage.From);
        Assert.Equal(
            "    echo \"version 2.5 2.5-bookworm\" > /version\n    # {{ NOT_A_VARIABLE }} in a comment stays\n",
            stage.Instructions.Single().Script);
        Assert.Contains("From: debian:bookworm\n", recipe.Definition!.Text);
        Assert.Contains("echo \"version 2.5 2.5-bookworm\"", recipe.Definition.Text);
        Assert.Equal(["FULL", "TAG", "VERSION"], recipe.ArgsUsed.Order());
    }

    [Fact]
    public void Without_a_build_arg_the_default_applies_and_a_file_without_placeholders_is_unchanged()
    {
        var recipe = DefinitionFile.Parse(Def);
        Assert.Contains("echo \"version 1.0 1.0-bookworm\"", recipe.Definition!.Text);
        const string plain = "Bootstrap: docker\nFrom: debian\n%post\n    echo '{ {x} }' $HOME\n";
        Assert.Equal(plain, DefinitionFile.Parse(plain).Definition!.Text);
        Assert.Empty(DefinitionFile.Parse(plain).ArgsUsed);
    }

    [Theory]
    [InlineData("Bootstrap: docker\nFrom: debian\n%post\n    echo {{ MISSING }}\n", 4,
        "build var MISSING is not defined through either --build-arg (--build-arg-file) or 'arguments' section")]
    [InlineData("Bootstrap: docker\nFrom: debian\n%arguments\n    JUSTANAME\n", 4,
        "%arguments line is not NAME=VALUE: JUSTANAME")]
    public void A_placeholder_without_a_value_or_a_bad_default_is_refused_with_its_line(string def, int line,
        string message)
    {
        var e = Assert.Throws<RecipeException>(() => DefinitionFile.Parse(def));
        Assert.Equal((line, message), (e.Line, e.Message));
    }

    [Fact]
    public void Post_gets_apptainers_environment_and_labels_files_under_both_prefixes()
    {
        Stage stage = Assert.Single(DefinitionFile.Parse("Bootstrap: docker\nFrom: debian\n%post\n    true\n").Stages);
        Assert.Equal("/.singularity.d/env/91-environment.sh", stage.Variables["APPTAINER_ENVIRONMENT"]);
        Assert.Equal("/.singularity.d/env/91-environment.sh", stage.Variables["SINGULARITY_ENVIRONMENT"]);
        Assert.Equal("/.build.labels", stage.Variables["APPTAINER_LABELS"]);
        Assert.Equal("/.build.labels", stage.Variables["SINGULARITY_LABELS"]);
        Assert.Empty(Assert.Single(HpcRun.Build.Recipe.Recipe.FromDockerfile(
            DockerfileParser.Parse("FROM a\nRUN true\n"), new Dictionary<string, string>()).Stages).Variables);
    }

    [Fact]
    public void Post_finds_the_environment_file_made_unless_the_base_has_one_and_the_labels_it_wrote()
    {
        string tree = Directory.CreateTempSubdirectory("hpcrun-post-").FullName;
        try
        {
            ApptainerLayout.PreparePost(tree);
            string env = Path.Combine(tree, ".singularity.d/env/91-environment.sh");
            Assert.Equal("#!/bin/sh\n# Custom environment shell code should follow\n\n", File.ReadAllText(env));
            File.AppendAllText(env, "export POSTVAR=from_post\n");
            ApptainerLayout.PreparePost(tree);
            Assert.EndsWith("export POSTVAR=from_post\n", File.ReadAllText(env));
            File.WriteAllText(Path.Combine(tree, ".build.labels"), "version 2.5\n# no\nmaintainer  a b\n");
            Assert.Equal([KeyValuePair.Create("version", "2.5"), KeyValuePair.Create("maintainer", "a b")],
                ApptainerLayout.PostLabelsIn(tree));
        }
        finally { Directory.Delete(tree, recursive: true); }
    }
}
