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
    private static ChildProcess? job;
    private static List<PosixSignalRegistration>? handlers;

    public static int Wait(ChildProcess started)
    {
        job = started;
        // SIGTSTP and SIGCONT do nothing of their own: hpcrun stops when the job has stopped, and the job goes on
        // when hpcrun does (ChildProcess.WaitForExit).
        handlers ??= [.. Signals.Forwarded.Select(signal => Handle(signal, Forward)),
            .. Signals.JobControl.Select(signal => Handle(signal, _ => { }))];
        return started.WaitForExit(stopped: () => Signals.Send(Environment.ProcessId, Signals.SIGSTOP));
    }

    /// <summary>Handles <paramref name="signal"/> with <paramref name="action"/> for the rest of hpcrun's life, past
    /// the job's end. The runtime takes a signal up late, on a thread of its own, and gives one that finds no handler
    /// registered its default: a shell's `kill %1` of a stopped job sends SIGTERM, then SIGCONT; taken up once the
    /// job was reaped and the handlers gone, the SIGTERM ended hpcrun by that signal instead of with the job's status
    /// (the shell said Terminated, not Exit 143), and the SIGCONT made the runtime set the terminal up from the
    /// background, undoing early.c's SIG_IGN of SIGTTOU on the way: SIGTTOU then stopped hpcrun for good. After the
    /// job's end nothing is forwarded (<see cref="ChildProcess.Signal"/>): hpcrun's status is the job's, its
    /// leftovers are all killed, and a node's first rank outlives the ranks that share its container (the batch
    /// system signals those itself).</summary>
    private static PosixSignalRegistration Handle(int signal, Action<int> action) =>
        PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            action(signal);
            context.Cancel = true;
        });

    private static void Forward(int signal)
    {
        if (!(FromTheTerminal.Contains(signal) && Terminal.IsForeground())) job?.Signal(signal);
    }

    /// <summary>What a terminal sends to its whole foreground process group (Ctrl-C, Ctrl-\): when
    /// hpcrun is in that group, so is the job, which already got it; forwarded, it would come twice.
    /// Ctrl-Z's SIGTSTP is not forwarded either (hpcrun does not stop for it: it stops when the job has
    /// stopped), nor is SIGCONT (the job goes on when hpcrun does: <see cref="ChildProcess.WaitForExit"/>).
    /// The runtime runs these handlers late, on a thread of its own: a forwarded SIGTSTP or SIGCONT could
    /// arrive after `bg`, `fg` or a new Ctrl-Z, and stop or continue the job against the shell's will.</summary>
    private static readonly int[] FromTheTerminal = [Signals.SIGINT, Signals.SIGQUIT];
}
