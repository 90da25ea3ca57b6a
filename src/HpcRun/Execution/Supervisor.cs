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
}
