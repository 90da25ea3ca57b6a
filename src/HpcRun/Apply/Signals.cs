using HpcRun.Image.Posix;

namespace HpcRun.Apply;

/// <summary>Signal numbers (Linux, signal(7)) and kill(2).</summary>
internal static class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGUSR1 = 10, SIGUSR2 = 12, SIGALRM = 14,
        SIGTERM = 15, SIGSTKFLT = 16, SIGCONT = 18, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22,
        SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30;

    /// <summary>glibc's first real-time signal number, which the .NET runtime takes for its own (to interrupt its
    /// threads), and the last.</summary>
    private const int SIGRTMIN = 34, SIGRTMAX = 64;

    /// <summary>What hpcrun passes on to the job (README, "Supervision"): every signal a batch system, a terminal or
    /// a user may send to end, warn or checkpoint a job (`scancel -s`, `sbatch --signal`, kill(1)), whose default
    /// action would otherwise end hpcrun, and the job's image with it. SIGTSTP too: hpcrun stops once the job has
    /// (ChildProcess.WaitForExit). Not the faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS: hpcrun's
    /// own crashes), SIGPIPE (the runtime ignores it), SIGCHLD, nor SIGTTIN and SIGTTOU, which the kernel sends the
    /// group of a background reader or writer, hpcrun included, and which a handler would have it take again at
    /// every retry of its own write.</summary>
    public static readonly int[] Forwarded =
    [
        SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR,
        SIGSTKFLT, SIGIO, SIGURG, SIGWINCH, SIGTSTP, .. Enumerable.Range(SIGRTMIN + 1, SIGRTMAX - SIGRTMIN),
    ];

    /// <summary>The stop signals of job control (a terminal's Ctrl-Z, a background group's terminal read or write):
    /// a job stopped by one of them that hpcrun was sent too stops hpcrun (early.c's hpcrun_stop_with_job), so that a
    /// shell sees its job stopped; one stopped by SIGSTOP or by its own pid does not, since hpcrun serves the image
    /// the job and its other processes read.</summary>
    public static bool IsJobControlStop(int signal) => signal is SIGTSTP or SIGTTIN or SIGTTOU;

    public static void Send(int pid, int signal) => Libc.Kill(pid, signal);
}
