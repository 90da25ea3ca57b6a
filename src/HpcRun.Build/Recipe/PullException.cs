namespace HpcRun.Build.Recipe;

/// <summary>A registry pull that a recipe's base asked for (<see cref="RecipeRequest.Pull"/>) failed: the caller's
/// puller says why and with which exit status, and the build adds the recipe's line (`Dockerfile:2: ...`), as every
/// error of a recipe names its line.</summary>
public sealed class PullException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
