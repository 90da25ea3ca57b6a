using Serilog;
using Serilog.Events;

namespace HpcRun.Cli;

/// <summary>Quiet by default (warnings and errors, one line each, on stderr); -v and --debug add detail.</summary>
internal static class Logging
{
    public static bool IsConfigured { get; private set; }

    public static void Configure(int verbosity)
    {
        IsConfigured = true;
        LogEventLevel level = verbosity switch { <= 0 => LogEventLevel.Warning, 1 => LogEventLevel.Information, _ => LogEventLevel.Verbose };
        string template = verbosity <= 0
            ? "hpcrun: {Message:lj}{NewLine}"
            : "hpcrun[{ProcessId}] {Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}";
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Enrich.WithProperty("ProcessId", Environment.ProcessId)
            .WriteTo.Console(outputTemplate: template, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: null)
            .CreateLogger();
    }
}
