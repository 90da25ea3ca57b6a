namespace HpcRun.Build;

/// <summary>Progress as plain lines (for logs and batch jobs): one when a step starts, one when it ends.</summary>
public sealed class PlainReporter(TextWriter writer) : IBuildReporter
{
    public IBuildStep Step(string description, long? total)
    {
        writer.WriteLine($"hpcrun: {description}...");
        return new PlainStep(writer, description);
    }

    public void Warning(string message) => writer.WriteLine($"hpcrun: warning: {message}");

    private sealed class PlainStep(TextWriter writer, string description) : IBuildStep
    {
        public void Advance(long units) { }
        public void Done() => writer.WriteLine($"hpcrun: {description}: done");
        public void Dispose() { }
    }
}
