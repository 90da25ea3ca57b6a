using System.ComponentModel;
using System.Diagnostics;
using HpcRun.Image.Posix;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>What one command printed, its exit status and how long it ran (from before its start to its
/// end, so the cost of starting a process from hpcrun-tools is in it, alike for native and hpcrun).</summary>
internal sealed record CommandRun(IReadOnlyList<string> Argv, int Status, string Output, string Errors,
    TimeSpan Elapsed)
{
    public bool Succeeded => Status == 0;

    /// <summary>The command and why it failed, in one line: its status and what it said last on stderr (else
    /// stdout), hpcrun's own message first when there is one (an MPI launcher's report around it says less).</summary>
    public string Failure
    {
        get
        {
            string said = Said(Errors) ?? Said(Output) ?? "no message";
            return $"`{string.Join(' ', Argv.Select(Path.GetFileName))}` exited {Status}: {said}";
        }
    }

    private static string? Said(string text)
    {
        string[] lines = [.. text.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Any(char.IsLetter))];
        return lines.LastOrDefault(l => l.StartsWith("hpcrun: ", StringComparison.Ordinal)) ?? lines.LastOrDefault();
    }
}

/// <summary>Runs the benchmarks' commands one at a time: stdin at end of file (neither hpcrun nor the program
/// takes the terminal), stdout and stderr captured. When <paramref name="cancel"/> fires (SIGINT, SIGTERM,
/// SIGHUP), the running command and its children are killed, so the bench can clean up and exit.</summary>
internal sealed class CommandRunner(CancellationToken cancel)
{
    /// <exception cref="OperationCanceledException">Cancelled before or while the command ran.</exception>
    public CommandRun Run(IReadOnlyList<string> argv, string? directory = null)
    {
        cancel.ThrowIfCancellationRequested();
        var info = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory ?? "",
        };
        foreach (string arg in argv.Skip(1)) info.ArgumentList.Add(arg);
        long start = Stopwatch.GetTimestamp();
        Process process;
        try { process = Process.Start(info)!; }
        catch (Win32Exception e) // .NET's text names the working directory and its own words: a shell's line instead
        {
            return new CommandRun(argv, 127, "", $"{argv[0]}: {IoError.Describe(e.NativeErrorCode)}", TimeSpan.Zero);
        }
        using (process)
        using (cancel.Register(() => Kill(process)))
        {
            process.StandardInput.Close();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            cancel.ThrowIfCancellationRequested();
            return new CommandRun(argv, process.ExitCode, output, errors.Result, elapsed);
        }
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // it had ended already
    }

    /// <summary>The full path of <paramref name="name"/> in the PATH's directories, or null.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(path => File.Exists(path) && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0);
}
