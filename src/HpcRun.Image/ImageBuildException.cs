namespace HpcRun.Image;

/// <summary>A build could not be done for a reason outside the input (a missing tool, a failing one).</summary>
public sealed class ImageBuildException(string message, bool missingTool = false) : Exception(message)
{
    public bool MissingTool { get; } = missingTool;
}
