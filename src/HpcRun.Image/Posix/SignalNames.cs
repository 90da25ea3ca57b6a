using System.Runtime.InteropServices;

namespace HpcRun.Image.Posix;

/// <summary>Signals as a shell names them: `SIGKILL` for 9 (glibc's sigabbrev_np, string.h, with the SIG prefix
/// kill -l leaves out).</summary>
public static partial class SignalNames
{
    /// <summary>SIGNAME for <paramref name="signal"/>; null for one without a name (a real-time signal, or none).
    /// </summary>
    public static string? Name(int signal) => Abbreviation(signal) is { } name && name != 0
        ? $"SIG{Marshal.PtrToStringUTF8(name)}" : null;

    /// <summary>`signal 9 (SIGKILL)`; `signal 40` for one without a name.</summary>
    public static string Describe(int signal) =>
        Name(signal) is { } name ? $"signal {signal} ({name})" : $"signal {signal}";

    [LibraryImport("libc", EntryPoint = "sigabbrev_np")]
    private static partial nint Abbreviation(int signal);
}
