using HpcRun.Build;
using Spectre.Console;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>Progress bars on a terminal (Spectre.Console). Warnings and notes are held until the bars are
/// gone, so they do not tear the display.</summary>
internal sealed class TerminalReporter(ProgressContext context) : IBuildReporter
{
    private readonly List<string> warnings = [], notes = [];

    /// <summary>Runs <paramref name="build"/> under progress bars, then prints its warnings to
    /// <paramref name="errors"/>.</summary>
    public static void Run(Action<IBuildReporter> build, TextWriter errors)
    {
        TerminalReporter? reporter = null;
        try
        {
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new SpinnerColumn())
                .Start(context => build(reporter = new TerminalReporter(context)));
        }
        finally
        {
            foreach (string note in reporter?.notes ?? []) ImageVerbs.LogNote(note);
            foreach (string warning in reporter?.warnings ?? []) errors.WriteLine($"hpcrun: warning: {warning}");
        }
    }

    public IBuildStep Step(string description, long? total)
    {
        ProgressTask task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(total ?? 1, 1));
        task.IsIndeterminate = total is null;
        return new TerminalStep(task);
    }

    public void Warning(string message) => warnings.Add(message);

    public void Note(string message) => notes.Add(message);

    private sealed class TerminalStep(ProgressTask task) : IBuildStep
    {
        public void Advance(long units) => task.Increment(units);
        public void Done() => task.Value = task.MaxValue;
        public void Dispose() => task.StopTask();
    }
}
