using HpcRun.Image.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace HpcRun.CommandLine;

/// <summary>Quiet by default (warnings and errors, one line each, on stderr; the tools' progress lines); -v and
/// --debug add detail; Apptainer's -q drops the progress lines and -s the warnings too.</summary>
public static class Logging
{
    public static bool IsConfigured { get; private set; }

    /// <summary>Whether progress lines (a build's steps, a pull's layers, "wrote OUT") are shown: not with -q or
    /// -s.</summary>
    public static bool ShowsProgress { get; private set; } = true;

    /// <summary>What <see cref="Configure"/> was last given.</summary>
    public static int Verbosity { get; private set; }

    /// <param name="verbosity">2 with --debug, 1 with -v, 0 by default, -1 with -q (--quiet), -2 with -s (--silent):
    /// Native/hpcrun.h's hpcrun_own_options.verbosity.</param>
    public static void Configure(int verbosity)
    {
        IsConfigured = true;
        Verbosity = verbosity;
        ShowsProgress = verbosity >= 0;
        LogEventLevel level = verbosity switch
        {
            <= -2 => LogEventLevel.Error,
            <= 0 => LogEventLevel.Warning,
            1 => LogEventLevel.Information,
            _ => LogEventLevel.Verbose,
        };
        string template = verbosity <= 0
            ? "hpcrun: {" + WarningPrefix.Property + "}{Message:lj}"
            : "hpcrun[{ProcessId}] {Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}";
        Log.Logger = new Deferred(level, () => new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Enrich.WithProperty("ProcessId", Environment.ProcessId)
            .Enrich.With(new WarningPrefix())
            // Plain text: a theme's colours are unreadable on one background or the other (black on dark, bright
            // white on light), and .NET's colour API sets the terminal up for keys (StandardStreams).
            .WriteTo.Console(new VisibleLine(template, withDetail: verbosity > 0),
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger());
    }

    /// <summary>Each event as one line with its control characters and the bytes that are not UTF-8 as \xNN, its
    /// middle elided beyond thousands of characters (<see cref="Shown.Message"/>), whatever the message was made of:
    /// a word from the command line or a file (an option, a value, an env file's name) cannot rewrite the line with
    /// an escape sequence, break it or make it megabytes long, and no message's author has to remember to escape it.
    /// An exception's .NET detail (--debug) follows on lines of its own.</summary>
    private sealed class VisibleLine(string template, bool withDetail) : ITextFormatter
    {
        private readonly MessageTemplateTextFormatter line = new(template);

        public void Format(LogEvent logEvent, TextWriter output)
        {
            var text = new StringWriter();
            line.Format(logEvent, text);
            output.Write(Shown.Message(text.ToString()) + "\n");
            if (logEvent.Exception is { } e && withDetail) output.Write(e + "\n");
        }
    }

    /// <summary>"warning: " before a warning's text in the one-line form, as the tools' progress reporter writes
    /// its warnings (HpcRun.Build's PlainReporter): "hpcrun: warning: ..." is told from an error at a glance.</summary>
    private sealed class WarningPrefix : ILogEventEnricher
    {
        public const string Property = "WarningPrefix";
        private static readonly LogEventProperty Warning = new(Property, new ScalarValue("warning: ")),
            None = new(Property, new ScalarValue(""));

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
            logEvent.AddPropertyIfAbsent(logEvent.Level == LogEventLevel.Warning ? Warning : None);
    }

    /// <summary>The Serilog logger, built at the first event that passes the level: building it
    /// (its self-metrics look the assembly up by reflection, the console sink sets up its stream)
    /// would weigh on every launch, and a quiet launch logs nothing.</summary>
    private sealed class Deferred(LogEventLevel minimum, Func<Logger> build) : ILogger, IDisposable
    {
        private readonly Lazy<Logger> logger = new(build);

        public bool IsEnabled(LogEventLevel level) => level >= minimum;

        public void Write(LogEvent logEvent)
        {
            if (IsEnabled(logEvent.Level)) logger.Value.Write(logEvent);
        }

        public void Write(LogEventLevel level, string messageTemplate, params object?[]? propertyValues)
        {
            if (IsEnabled(level)) logger.Value.Write(level, messageTemplate, propertyValues);
        }

        public void Write(LogEventLevel level, Exception? exception, string messageTemplate,
            params object?[]? propertyValues)
        {
            if (IsEnabled(level)) logger.Value.Write(level, exception, messageTemplate, propertyValues);
        }

        public bool BindMessageTemplate(string messageTemplate, object?[]? propertyValues,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageTemplate? parsedTemplate,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<LogEventProperty>? boundProperties) =>
            logger.Value.BindMessageTemplate(messageTemplate, propertyValues, out parsedTemplate, out boundProperties);

        public bool BindProperty(string? propertyName, object? value, bool destructureObjects,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LogEventProperty? property) =>
            logger.Value.BindProperty(propertyName, value, destructureObjects, out property);

        public ILogger ForContext(ILogEventEnricher enricher) => logger.Value.ForContext(enricher);

        public void Dispose()
        {
            if (logger.IsValueCreated) logger.Value.Dispose();
        }
    }
}
