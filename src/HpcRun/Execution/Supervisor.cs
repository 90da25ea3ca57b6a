using System.Runtime.InteropServices;

namespace HpcRun.Execution;

/// <summary>
/// hpcrun stays the job's parent: it forwards the signals a batch system or a terminal sends
/// (<see cref="Signals.Forwarded"/>) and returns the job's exit status. When the job stops
/// (Ctrl-Z), hpcrun stops itself, as a shell's job control expects of the process it started,
/// so the prompt comes back; continued (fg, bg), it continues the job.
/// </summary>
internal static class Supervisor
{
    public static int Wait(ChildProcess job)
    {
        var registrations = Signals.Forwarded.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            job.Signal(signal);
            context.Cancel = true;
        })).ToList();
        try { return job.WaitForExit(stopped: () => StopWith(job)); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    private static void StopWith(ChildProcess job)
    {
        Signals.Send(Environment.ProcessId, Signals.SIGSTOP); // returns once continued
        job.Signal(Signals.SIGCONT);
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
