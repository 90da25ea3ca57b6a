using HpcRun.Host;
namespace HpcRun.Native;

/// <summary>
/// Runs hpcrun again in this process with HPCRUN_EARLY set, so that Native/early.c enters a new
/// user + mount namespace before the runtime starts: for a rank that turned out to need one
/// after early.c left it in the host's namespace to be able to join (<see cref="NodeGroup"/>).
/// Same pid, same descriptors (PMI_FD included), same command line.
/// </summary>
internal static class Reexec
{
    /// <summary>Native/hpcrun.h's HPCRUN_EARLY_VARIABLE: early.c enters the namespace, then unsets it.</summary>
    internal const string EarlyVariable = "HPCRUN_EARLY";

    public static void InOwnNamespace(params (string Name, string Value)[] extra)
    {
        var environment = Invocation.EnvironmentEntries.Concat(extra.Select(v => $"{v.Name}={v.Value}"))
            .Append($"{EarlyVariable}=1");
        Serilog.Log.CloseAndFlush();
        // The running binary itself, even when it was replaced on disk since it started: it needs no file beside it.
        throw Syscalls.Exec("/proc/self/exe", [Invocation.Program, .. Invocation.Arguments()], environment);
    }
}
