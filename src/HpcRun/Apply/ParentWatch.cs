using System.Runtime.InteropServices;
using HpcRun.Native;

namespace HpcRun.Apply;

/// <summary>
/// An hpcrun that a recipe build started (a RUN's `hpcrun recipe-step`, the %test's `hpcrun exec`) dies with the
/// build, however the build ends: its pid comes in HPCRUN_DIE_WITH, which Native/early.c takes out of the
/// environment. A thread waits on a pidfd of that process (the whole process, not the thread that forked this one,
/// which is what PR_SET_PDEATHSIG would follow); when it ends, the job is killed, and hpcrun then kills what the job
/// left running (<see cref="Leftovers"/>: hpcrun is their subreaper) and exits, so that nothing goes on writing into
/// a build tree the next build or `hpcrun cache clean` removes. Before the job has started, hpcrun exits at once:
/// its mounts go with it.
/// </summary>
internal static partial class ParentWatch
{
    private const int SIGKILL = 9, PidfdOpen = 434, ENOSYS = 38, PR_SET_PDEATHSIG = 1;
    private static readonly Lock gate = new();
    private static ChildProcess? job;
    private static bool gone;

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_die_with")]
    private static partial int DieWith();

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial int syscall(nint number, int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int prctl(int option, nuint signal, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    /// <summary>Starts watching the process HPCRUN_DIE_WITH named, if any; exits at once when it has ended
    /// already (this process was reparented).</summary>
    public static void Start()
    {
        int parent = DieWith();
        if (parent <= 0) return;
        int pidfd = syscall(PidfdOpen, parent, 0);
        if (pidfd < 0 && Marshal.GetLastSystemError() == ENOSYS) // before Linux 5.3: the forking thread's death
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (Syscalls.ParentPid() != parent) Exit(128 + SIGKILL); // ended before it could be watched
        if (pidfd < 0) return;
        new Thread(() =>
        {
            Syscalls.WaitReadable(pidfd);
            Gone();
        })
        { IsBackground = true, Name = "parent watch" }.Start();
    }

    /// <summary>The job that started: killed now if the build has ended meanwhile, else when it ends.</summary>
    public static void Adopt(ChildProcess child)
    {
        lock (gate)
        {
            job = child;
            if (gone) child.Signal(SIGKILL);
        }
    }

    private static void Gone()
    {
        lock (gate)
        {
            gone = true;
            if (job is null) Exit(128 + SIGKILL);
            job!.Signal(SIGKILL);
        }
    }
}
