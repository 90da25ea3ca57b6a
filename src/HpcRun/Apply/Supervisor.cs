using System.Runtime.InteropServices;

namespace HpcRun.Apply;

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
        var registrations = Signals.Forwarded.Select(signal =>
            PosixSignalRegistration.Create((PosixSignal)signal, context =>
            {
                bool reachedTheJob = signal == Signals.SIGTSTP
                    || (FromTheTerminal.Contains(signal) && Terminal.IsForeground());
                if (!reachedTheJob) job.Signal(signal);
                context.Cancel = true;
            })).ToList();
        try { return job.WaitForExit(stopped: () => StopWith(job)); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    /// <summary>What a terminal sends to its whole foreground process group (Ctrl-C, Ctrl-\): when
    /// hpcrun is in that group, so is the job, which already got it; forwarded, it would come twice.
    /// SIGTSTP (Ctrl-Z) is never forwarded: the terminal stops the job itself, and hpcrun then stops
    /// with it. The runtime runs these handlers late, on a thread of its own: a forwarded SIGTSTP
    /// could arrive after `bg` or `fg` had continued the job, and stop it again.</summary>
    private static readonly int[] FromTheTerminal = [Signals.SIGINT, Signals.SIGQUIT];

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
        var registrations = Signals.Forwarded.Select(signal =>
            PosixSignalRegistration.Create((PosixSignal)signal, context => context.Cancel = true)).ToList();
        try { wait(); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }
}
