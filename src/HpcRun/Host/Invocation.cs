using System.Runtime.InteropServices;
using HpcRun.Image.Text;

namespace HpcRun.Host;

/// <summary>
/// How hpcrun was started, as bytes: its arguments and environment as Native/early.c's
/// constructor saw them, and the current directory. .NET's own (args, Environment,
/// CurrentDirectory) decode them as UTF-8 and replace what is not; these carry every byte
/// (<see cref="RawText"/>), so that a job's argv, environment and paths reach it exactly.
/// Only in the hpcrun binary, which links early.c.
/// </summary>
internal static unsafe partial class Invocation
{
    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_argc")]
    private static partial int Argc();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_argv")]
    private static partial byte** Argv();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_environ")]
    private static partial byte** Environ();

    [LibraryImport("libc", EntryPoint = "getcwd", SetLastError = true)]
    private static partial byte* getcwd(byte* buffer, nuint size);

    /// <summary>The arguments after the program's name.</summary>
    public static string[] Arguments()
    {
        byte** argv = Argv();
        var arguments = new string[Math.Max(Argc() - 1, 0)];
        for (int i = 0; i < arguments.Length; i++) arguments[i] = RawText.FromNative(argv[i + 1]);
        return arguments;
    }

    /// <summary>The program's name (argv[0]) as it was started.</summary>
    public static string Program => Argc() > 0 ? RawText.FromNative(Argv()[0]) : "hpcrun";

    private static IReadOnlyList<string>? environmentEntries;
    private static Dictionary<string, string>? environment;

    /// <summary>The caller's environment, NAME=VALUE entries in order, as early.c saw it: read once, the one
    /// snapshot every part of hpcrun uses (re-execution and the hand-over to hpcrun-tools pass it on).</summary>
    public static IReadOnlyList<string> EnvironmentEntries => environmentEntries ??= ReadEnvironment();

    /// <summary><see cref="EnvironmentEntries"/> by name (the last of a repeated name wins).</summary>
    public static IReadOnlyDictionary<string, string> Environment => environment ??= ByName(EnvironmentEntries);

    private static string[] ReadEnvironment()
    {
        var entries = new List<string>();
        for (byte** e = Environ(); e is not null && *e is not null; e++) entries.Add(RawText.FromNative(*e));
        return [.. entries];
    }

    private static Dictionary<string, string> ByName(IEnumerable<string> entries)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in entries)
            if (entry.IndexOf('=') is > 0 and int eq) byName[entry[..eq]] = entry[(eq + 1)..];
        return byName;
    }

    /// <summary>The current directory, or null when it no longer exists (deleted, or unreachable).</summary>
    public static string? CurrentDirectory()
    {
        const int size = 4096 * 4;
        byte* buffer = stackalloc byte[size];
        return getcwd(buffer, size) is null ? null : RawText.FromNative(buffer);
    }
}
