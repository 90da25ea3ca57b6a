using System.Runtime.InteropServices;
using HpcRun.Image.Posix;

namespace HpcRun.Apply;

/// <summary>
/// hpcrun stays the job's parent: it forwards the signals a batch system, a terminal or a user sends
/// (<see cref="Signals.Forwarded"/>) and ends as the job ended: with its exit status, or killed by the signal that
/// killed the job (<see cref="SignalDeath"/>). When the job stops for job control (Ctrl-Z, a SIGTSTP of hpcrun),
/// hpcrun stops itself by the same signal, as a shell's job control expects of the process it started, so the
/// prompt comes back; continued (fg, bg, or a SIGCONT of hpcrun alone), the job goes on with it.
/// </summary>
internal static partial class Supervisor
{
    private const int Starting = -1, Ended = 0; // hpcrun_forward_signals' pids that are none

    private static PosixSignalRegistration? continued;

    /// <summary>Starts the job (<paramref name="start"/>), forwards signals to it and waits for it; its status
    /// (<see cref="ChildProcess.WaitForExit"/>). The forwarding handlers are in place before the job starts: one of
    /// the signals that comes meanwhile is passed on once the job runs.</summary>
    public static int Run(Func<ChildProcess> start)
    {
        // SIGCONT does nothing of its own: the job goes on when hpcrun does (ChildProcess.WaitForExit). Registered
        // first: the runtime sets up its own signal handling then, and would replace the forwarding handlers were it
        // set up after them.
        continued ??= PosixSignalRegistration.Create(PosixSignal.SIGCONT, context => context.Cancel = true);
        Forward(Starting);
        try
        {
            ChildProcess started = start();
            Forward(started.Pid);
            int status = started.WaitForExit(stopped: () => StopWithJob() == 0);
            return started.KilledBy == 0 ? status : SignalDeath.Record(started.KilledBy);
        }
        finally { Forward(Ended); }
    }

    /// <summary>Forwards <see cref="Signals.Forwarded"/> to <paramref name="pid"/> from now on (<see cref="Starting"/>:
    /// held until the job's pid comes; <see cref="Ended"/>: to nothing, the job has ended; the signals stay handled
    /// for the rest of hpcrun's life, so its status is the job's and a node's first rank outlives the ranks that
    /// share its container: the batch system signals those itself). Native/early.c
    /// handles them, not the runtime, for two reasons. It sees who sent each signal (siginfo), and forwards none
    /// whose sender reached the job as well: the kernel's (the terminal's Ctrl-C, Ctrl-\ and Ctrl-Z, sent to the
    /// whole foreground group; a hangup) and Slurm's slurmstepd (`scancel -s`, srun's Ctrl-C, the time limit: sent to
    /// every process of the step), each of which came twice before. And it forwards at once, where the runtime takes
    /// a signal up late, on a thread of its own.</summary>
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

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_stop_with_job")]
    private static partial int StopWithJob();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_forward_signals")]
    private static unsafe partial int ForwardSignals(int pid, int* signals, int count);
}
