using HpcRun.Build;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Keeps a build's steps, progress, warnings and notes for the test to check; <see cref="OnStep"/> runs as a
/// step starts (to look at the build then, or cancel it).</summary>
public sealed class RecordingReporter : IBuildReporter
{
    public List<string> Steps { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>Each step's progress, as the running total after each advance.</summary>
    public Dictionary<string, List<long>> Progress { get; } = [];

    public Action<string>? OnStep { get; set; }

    public IBuildStep Step(string description, long? total)
    {
        Steps.Add(description);
        var totals = Progress[description] = [];
        OnStep?.Invoke(description);
        return new Recorded(totals);
    }

    public void Warning(string message) => Warnings.Add(message);

    public void Note(string message) => Notes.Add(message);

    private sealed class Recorded(List<long> totals) : IBuildStep
    {
        public void Advance(long units) => totals.Add((totals.Count == 0 ? 0 : totals[^1]) + units);
        public void Done() { }
        public void Dispose() { }
    }
}
