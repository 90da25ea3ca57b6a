using HpcRun.Image.Posix;

namespace HpcRun.Apply;

/// <summary>Signal numbers (Linux) and kill(2).</summary>
internal static class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGTERM = 15,
        SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20;

    /// <summary>What hpcrun passes on to the job (README, "Supervision").</summary>
    public static readonly int[] Forwarded = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2];

    /// <summary>Job control: hpcrun stops when its job has stopped, and the job goes on when hpcrun does
    /// (Apply/Supervisor.cs); neither signal is forwarded.</summary>
    public static readonly int[] JobControl = [SIGCONT, SIGTSTP];

    public static void Send(int pid, int signal) => Libc.Kill(pid, signal);
}
