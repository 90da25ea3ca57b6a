using HpcRun.Image.Recipe;

namespace HpcRun.Image.Tests;

/// <summary>`hpcrun recipe-step` as hpcrun-tools writes it and the launcher reads it (<see cref="RecipeStepCommand"/>):
/// the command's environment travels in the step's environment, never in its arguments.</summary>
public class RecipeStepCommandTests
{
    [Fact]
    public void The_environment_goes_through_variables_in_order_and_the_arguments_hold_none_of_it()
    {
        KeyValuePair<string, string>[] environment =
            [new("PATH", "/usr/bin"), new("http_proxy", "http://user:secret@proxy:3128"), new("EMPTY", ""),
                new("EQUALS", "a=b")];
        string[] args = RecipeStepCommand.Arguments("/scratch/tree", "/work", ["sh", "-c", "echo $EQUALS"]);
        Assert.DoesNotContain(args, a => a.Contains("secret"));
        var variables = RecipeStepCommand.Variables(environment).ToDictionary();
        Assert.Equal("http_proxy=http://user:secret@proxy:3128", variables["HPCRUN_STEP_ENV_1"]);
        var step = RecipeStepCommand.Parse(args, variables.GetValueOrDefault)!;
        Assert.Equal(("/scratch/tree", "/work"), (step.Root, step.Cwd));
        Assert.Equal(environment, step.Environment);
        Assert.Equal(["sh", "-c", "echo $EQUALS"], step.Argv);
    }

    [Fact]
    public void Other_verbs_are_not_a_step_and_a_malformed_step_is_an_argument_error()
    {
        Assert.Null(RecipeStepCommand.Parse(["run", "img.sif"], _ => null));
        Assert.Throws<ArgumentException>(() => RecipeStepCommand.Parse(["recipe-step", "/t", "/", "sh"], _ => null));
        Assert.Throws<ArgumentException>(() => RecipeStepCommand.Parse(["recipe-step", "/t", "/", "--", "sh"],
            name => name == "HPCRUN_STEP_ENV_0" ? "no-equals-sign" : null));
    }
}
