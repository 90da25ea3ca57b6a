using System.Runtime.InteropServices;

namespace HpcRun.Image.Posix;

/// <summary>
/// Ending a process by the signal that ended what it ran or stopped it (a job, a build), after its own clean-up:
/// its caller then sees what it would have seen natively (wait(2)'s WIFSIGNALED, not an exit with 128+N): bash stops
/// a script whose foreground command a SIGINT killed (its "wait and cooperative exit"), an interactive shell stops a
/// loop at Ctrl-C, srun and Python report the signal; a shell's `$?` is 128+N either way. No core dump of the
/// process's own (what it ran made its own where it was to): the core limit is 0 and the process not dumpable
/// (prctl(2), PR_SET_DUMPABLE, which a core_pattern pipe obeys too).
/// </summary>
public static unsafe partial class SignalDeath
{
    private static int recorded;

    /// <summary>Notes that this process is to end by <paramref name="signal"/> once its command line has returned
    /// (<see cref="EndAs"/>); 128+N, the status that carries it until then.</summary>
    public static int Record(int signal)
    {
        recorded = signal;
        return 128 + signal;
    }

    /// <summary>Ends the process by the signal <see cref="Record"/> noted when <paramref name="status"/> is its
    /// 128+N; else returns <paramref name="status"/>.</summary>
    public static int EndAs(int status) => recorded != 0 && status == 128 + recorded ? End(recorded) : status;

    /// <summary>Ends the process by <paramref name="signal"/> (its default action, whatever handler the runtime
    /// had); returns 128+N should it not end it.</summary>
    public static int End(int signal)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        var noCore = new ulong[2];
        fixed (ulong* limit = noCore) SetRLimit(RLIMIT_CORE, limit);
        Prctl(PR_SET_DUMPABLE, 0);
        Signal(signal, SIG_DFL);
        ulong* only = stackalloc ulong[16]; // glibc's sigset_t: 1024 bits
        for (int i = 0; i < 16; i++) only[i] = 0;
        only[0] = 1ul << (signal - 1);
        SigProcMask(SIG_UNBLOCK, only, null);
        Raise(signal);
        return 128 + signal;
    }

    private const int RLIMIT_CORE = 4, PR_SET_DUMPABLE = 4, SIG_UNBLOCK = 1;
    private const nint SIG_DFL = 0;

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, ulong* limit);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong value);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "pthread_sigmask")]
    private static partial int SigProcMask(int how, ulong* set, ulong* old);

    [LibraryImport("libc", EntryPoint = "raise")]
    private static partial int Raise(int signal);
}
