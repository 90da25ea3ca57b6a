using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>How a recipe's instructions read as Docker reads them and how the build names them: one ENV, LABEL or
/// ARG expands against the state before it, progress shows an instruction as written, a definition file's steps
/// are named in its own terms, and the build arguments a recipe reads.</summary>
public class RecipeWordsTests
{
    [Fact]
    public void Every_pair_of_one_instruction_expands_against_the_state_before_it()
    {
        var empty = new StageState();
        Assert.Equal([KeyValuePair.Create("WHO", (string?)"nobody"), KeyValuePair.Create("HOMEDIR", (string?)"/home/")],
            empty.ExpandPairs("WHO=${WHO:-nobody} HOMEDIR=/home/$WHO", legacyForm: true));
        var set = empty.WithEnv("WHO", "ann");
        Assert.Equal([KeyValuePair.Create("WHO", (string?)"ann"), KeyValuePair.Create("HOMEDIR", (string?)"/home/ann")],
            set.ExpandPairs("WHO=${WHO:-nobody} HOMEDIR=/home/$WHO", legacyForm: true));
        Assert.Equal([KeyValuePair.Create("N_1", (string?)"v1"), KeyValuePair.Create("X", (string?)"2")],
            new StageState { Args = new Dictionary<string, string> { ["X"] = "1" } }
                .ExpandPairs("N_$X=v$X X=2", legacyForm: false));
        var b = new StageState().WithEnv("B", "x y");
        Assert.Equal([KeyValuePair.Create("A", (string?)"$B"), KeyValuePair.Create("C", (string?)"$B"),
                KeyValuePair.Create("D", (string?)"x y-x y"), KeyValuePair.Create("E", (string?)"x y")],
            b.ExpandPairs("A=\\$B C='$B' D=\"$B\"-${B} E=$B", legacyForm: false));
        Assert.Equal(["/src/x y", "/dst"], Words.Split("\"/src/$B\" /dst", b));
    }

    [Fact]
    public void Global_args_expand_against_the_args_before_them_and_unset_ones_stay_unset()
    {
        var recipe = HpcRun.Build.Recipe.Recipe.FromDockerfile(DockerfileParser.Parse("""
            ARG A=one
            ARG B=${A:-none}-x C=$B D
            FROM img-$A-$B-$C
            ARG E
            """), new Dictionary<string, string> { ["A"] = "two", ["Z"] = "unused" });
        Assert.Equal("img-two-two-x-", recipe.Stages.Single().From);
        Assert.Equal("two-x", recipe.GlobalArgs["B"]);
        Assert.Equal("", recipe.GlobalArgs["C"]);
        Assert.Null(recipe.GlobalArgs["D"]);
        Assert.Equal(["A", "B", "C", "D", "E"], recipe.ArgsUsed.Order());
    }

    [Fact]
    public void Progress_shows_an_instruction_and_a_from_as_written_with_their_flags()
    {
        var recipe = HpcRun.Build.Recipe.Recipe.FromDockerfile(DockerfileParser.Parse("""
            FROM --platform=linux/amd64 base AS builder
            COPY --from=builder --chown=1000:1000 --chmod=644 /out/greeting.txt /app/
            add --chown=u a \
               /b
            """), new Dictionary<string, string>());
        Stage stage = recipe.Stages.Single();
        Assert.Equal("FROM --platform=linux/amd64 base AS builder", stage.Shown);
        Assert.Equal("FROM base", stage.Term);
        Assert.Equal(["COPY --from=builder --chown=1000:1000 --chmod=644 /out/greeting.txt /app/",
            "add --chown=u a    /b"], stage.Instructions.Select(i => i.Shown));
    }

    [Fact]
    public void A_definition_file_names_its_steps_and_its_base_in_its_own_terms()
    {
        Stage stage = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%files\n    a /a\n").Stages.Single();
        Assert.Equal("From: base.sif", stage.Term);
        Assert.Equal("%files", stage.Instructions.Single().Keyword);
    }
}
