using System.Runtime.InteropServices;

namespace HpcRun.Execution;

/// <summary>
/// hpcrun stays the job's parent: it forwards the signals a batch system or a terminal sends
/// (<see cref="Signals.Forwarded"/>) and returns the job's exit status.
/// </summary>
internal static class Supervisor
{
    public static int Wait(ChildProcess job)
    {
        var registrations = Signals.Forwarded.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            job.Signal(signal);
            // SIGTSTP: hpcrun stops too (the default action), so the shell sees the job stop.
            context.Cancel = signal != Signals.SIGTSTP;
        })).ToList();
        try { return job.WaitForExit(); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    /// <summary>Runs <paramref name="wait"/> (the job has ended) deaf to the forwarded signals: a
    /// node's first rank must outlive the ranks that share its container, and the batch system
    /// signals those itself.</summary>
    public static void Linger(Action wait)
    {
        var registrations = Signals.Forwarded.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context => context.Cancel = true)).ToList();
        try { wait(); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }
}
