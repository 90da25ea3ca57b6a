using System.Runtime.InteropServices;

namespace HpcRun.Apply;

/// <summary>
/// hpcrun stays the job's parent: it forwards the signals a batch system or a terminal sends
/// (<see cref="Signals.Forwarded"/>) and returns the job's exit status. When the job stops
/// (Ctrl-Z), hpcrun stops itself, as a shell's job control expects of the process it started,
/// so the prompt comes back; continued (fg, bg, or a SIGCONT of hpcrun alone), the job goes on with it.
/// </summary>
internal static partial class Supervisor
{
    private static List<PosixSignalRegistration>? jobControl;

    public static int Wait(ChildProcess started)
    {
        // SIGTSTP and SIGCONT do nothing of their own: hpcrun stops when the job has stopped, and the job goes on
        // when hpcrun does (ChildProcess.WaitForExit). Registered first: the runtime sets up its own signal handling
        // then, and would replace the forwarding handlers were it set up after them.
        jobControl ??= [.. Signals.JobControl.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal,
            context => context.Cancel = true))];
        Forward(started.Pid);
        try { return started.WaitForExit(stopped: () => Signals.Send(Environment.ProcessId, Signals.SIGSTOP)); }
        finally { Forward(0); }
    }

    /// <summary>Forwards <see cref="Signals.Forwarded"/> to <paramref name="pid"/> from now on (0: to nothing, the
    /// job has ended; the signals stay handled for the rest of hpcrun's life, so its status is the job's and a node's
    /// first rank outlives the ranks that share its container: the batch system signals those itself). Native/early.c
    /// handles them, not the runtime, for two reasons. It sees who sent each signal (siginfo), and forwards none
    /// whose sender reached the job as well: the terminal's Ctrl-C and Ctrl-\ (sent to the whole foreground group),
    /// and Slurm's slurmstepd (`scancel -s`, srun's Ctrl-C, the time limit: sent to every process of the step), each
    /// of which came twice before. And it forwards at once, where the runtime takes a signal up late, on a thread of
    /// its own.</summary>
    private static unsafe void Forward(int pid)
    {
        fixed (int* signals = Signals.Forwarded)
        {
            int result = ForwardSignals(pid, signals, Signals.Forwarded.Length);
            if (result < 0)
            {
                throw new SetupException(
                    $"cannot forward signals to the job: {Marshal.GetPInvokeErrorMessage(-result)}");
            }
        }
    }

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_forward_signals")]
    private static unsafe partial int ForwardSignals(int pid, int* signals, int count);
}
