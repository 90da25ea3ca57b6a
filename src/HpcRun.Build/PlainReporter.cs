using HpcRun.Image.Text;

namespace HpcRun.Build;

/// <summary>Progress as plain lines (for logs and batch jobs): one when a step starts, one when it ends; none without
/// <paramref name="progress"/> (Apptainer's -q), and no warnings either without <paramref name="warnings"/> (-s).
/// Each line shows its control characters as \xNN (<see cref="Shown.Visible"/>): a step or warning names files of the
/// source and words of the recipe. Notes go to <paramref name="notes"/> (-v's log), or nowhere.</summary>
public sealed class PlainReporter(TextWriter writer, bool progress = true, bool warnings = true,
    Action<string>? notes = null) : IBuildReporter
{
    public IBuildStep Step(string description, long? total)
    {
        if (progress) writer.WriteLine($"hpcrun: {Shown.Visible(description)}...");
        return new PlainStep(progress ? writer : TextWriter.Null, description);
    }

    public void Warning(string message)
    {
        if (warnings) writer.WriteLine($"hpcrun: warning: {Shown.Visible(message)}");
    }

    public void Note(string message) => notes?.Invoke(message);

    private sealed class PlainStep(TextWriter writer, string description) : IBuildStep
    {
        public void Advance(long units) { }
        public void Done() => writer.WriteLine($"hpcrun: {Shown.Visible(description)}: done");
        public void Dispose() { }
    }
}
