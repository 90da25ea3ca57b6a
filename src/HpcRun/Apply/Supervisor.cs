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
        StayDeafToJobControl();
        var registrations = Signals.Forwarded.Select(signal =>
            PosixSignalRegistration.Create((PosixSignal)signal, context =>
            {
                if (!(FromTheTerminal.Contains(signal) && Terminal.IsForeground())) job.Signal(signal);
                context.Cancel = true;
            })).ToList();
        try { return job.WaitForExit(stopped: () => Signals.Send(Environment.ProcessId, Signals.SIGSTOP)); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    private static List<PosixSignalRegistration>? jobControl;

    /// <summary>Makes hpcrun deaf to <see cref="Signals.JobControl"/> for the rest of its life: the runtime handles
    /// signals late, on a thread of its own, so the SIGCONT that ends a stopped job's life (a shell's `kill %1` sends
    /// SIGTERM, then SIGCONT) may be handled after the job was reaped; with no handler the runtime would then set
    /// the terminal up again from the background, and SIGTTOU would stop hpcrun for good.</summary>
    private static void StayDeafToJobControl() => jobControl ??= [.. Deaf(Signals.JobControl)];

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
        StayDeafToJobControl();
        var registrations = Deaf(Signals.Forwarded).ToList();
        try { wait(); }
        finally { registrations.ForEach(r => r.Dispose()); }
    }

    /// <summary>Handlers that do nothing: hpcrun neither ends nor stops for these signals, and the runtime does
    /// not act on them either (on SIGCONT it would rewrite the terminal's modes, from the background too).</summary>
    private static IEnumerable<PosixSignalRegistration> Deaf(IEnumerable<int> signals) =>
        signals.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context => context.Cancel = true));
}
