using HpcRun.Image.Build;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Keeps a build's steps and warnings for the test to check.</summary>
public sealed class RecordingReporter : IBuildReporter
{
    public List<string> Steps { get; } = [];
    public List<string> Warnings { get; } = [];

    public IBuildStep Step(string description, long? total)
    {
        Steps.Add(description);
        return new NoStep();
    }

    public void Warning(string message) => Warnings.Add(message);

    private sealed class NoStep : IBuildStep
    {
        public void Advance(long units) { }
        public void Dispose() { }
    }
}
