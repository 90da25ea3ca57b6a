namespace HpcRun.Build;

/// <summary>Progress as plain lines (for logs and batch jobs): one when a step starts, one when it ends; none without
/// <paramref name="progress"/> (Apptainer's -q), and no warnings either without <paramref name="warnings"/> (-s).
/// </summary>
public sealed class PlainReporter(TextWriter writer, bool progress = true, bool warnings = true) : IBuildReporter
{
    public IBuildStep Step(string description, long? total)
    {
        if (progress) writer.WriteLine($"hpcrun: {description}...");
        return new PlainStep(progress ? writer : TextWriter.Null, description);
    }

    public void Warning(string message)
    {
        if (warnings) writer.WriteLine($"hpcrun: warning: {message}");
    }

    private sealed class PlainStep(TextWriter writer, string description) : IBuildStep
    {
        public void Advance(long units) { }
        public void Done() => writer.WriteLine($"hpcrun: {description}: done");
        public void Dispose() { }
    }
}
