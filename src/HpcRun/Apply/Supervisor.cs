using System.Runtime.InteropServices;

namespace HpcRun.Apply;

/// <summary>
/// hpcrun stays the job's parent: it forwards the signals a batch system or a terminal sends
/// (<see cref="Signals.Forwarded"/>) and returns the job's exit status. When the job stops
/// (Ctrl-Z), hpcrun stops itself, as a shell's job control expects of the process it started,
/// so the prompt comes back; continued (fg, bg, or a SIGCONT of hpcrun alone), the job goes on with it.
/// </summary>
internal static class Supervisor
{
    public static int Wait(ChildProcess job)
    {
        var registrations = Signals.Forwarded.Select(signal =>
            PosixSignalRegistration.Create((PosixSignal)signal, context =>
            {
                if (!(FromTheTerminal.Contains(signal) && Terminal.IsForeground())) job.Signal(signal);
                context.Cancel = true;
            }))
            .Concat(Deaf(Signals.JobControl)).ToList();
        try { return job.WaitForExit(stopped: () => Signals.Send(Environment.ProcessId, Signals.SIGSTOP)); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    /// <summary>What a terminal sends to its whole foreground process group (Ctrl-C, Ctrl-\): when
    /// hpcrun is in that group, so is the job, which already got it; forwarded, it would come twice.
    /// Ctrl-Z's SIGTSTP is not forwarded either (hpcrun does not stop for it: it stops when the job has
    /// stopped), nor is SIGCONT (the job goes on when hpcrun does: <see cref="ChildProcess.WaitForExit"/>).
    /// The runtime runs these handlers late, on a thread of its own: a forwarded SIGTSTP or SIGCONT could
    /// arrive after `bg`, `fg` or a new Ctrl-Z, and stop or continue the job against the shell's will.</summary>
    private static readonly int[] FromTheTerminal = [Signals.SIGINT, Signals.SIGQUIT];

    /// <summary>Runs <paramref name="wait"/> (the job has ended) deaf to the forwarded signals: a
    /// node's first rank must outlive the ranks that share its container, and the batch system
    /// signals those itself.</summary>
    public static void Linger(Action wait)
    {
        var registrations = Deaf(Signals.Forwarded.Concat(Signals.JobControl)).ToList();
        try { wait(); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    /// <summary>Handlers that do nothing: hpcrun neither ends nor stops for these signals, and the runtime does
    /// not act on them either (on SIGCONT it would rewrite the terminal's modes, from the background too).</summary>
    private static IEnumerable<PosixSignalRegistration> Deaf(IEnumerable<int> signals) =>
        signals.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context => context.Cancel = true));
}
