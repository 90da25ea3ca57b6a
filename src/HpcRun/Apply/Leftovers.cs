using System.Runtime.InteropServices;
using HpcRun.Image.Posix;

namespace HpcRun.Apply;

/// <summary>
/// What a job leaves running when it ends (a daemon a package started, a background job, a double fork): hpcrun is
/// the job's subreaper (PR_SET_CHILD_SUBREAPER, prctl(2)), so those processes become its children when their parents
/// end, and they are killed when the job ends, as the end of a container's PID namespace kills them (`docker run`,
/// `apptainer --pid`). Left running, they would outlive the image they read: hpcrun serves it and ends with the job.
/// </summary>
internal static partial class Leftovers
{
    private const int PR_SET_CHILD_SUBREAPER = 36, SIGKILL = 9, ECHILD = 10;
    /// <summary>waitid(2): which children, how, and the size of its siginfo_t.</summary>
    private const int P_ALL = 0, WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000, SigInfoSize = 128;

    /// <summary>Makes this process the subreaper of what it starts from now on.</summary>
    /// <exception cref="SetupException">prctl refused.</exception>
    public static void Adopt()
    {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) throw SetupException.FromErrno("PR_SET_CHILD_SUBREAPER");
    }

    /// <summary>Kills and reaps this process's children (/proc/self/task/*/children) until none is left: their own
    /// children come to hpcrun as each dies. Call once the job has been reaped.</summary>
    public static unsafe void Kill()
    {
        if (!HasChildren()) return; // the common case, in one system call instead of a walk of /proc
        while (Children() is { Count: > 0 } children)
            foreach (int pid in children)
            {
                Libc.Kill(pid, SIGKILL);
                waitpid(pid, null, 0);
            }
    }

    /// <summary>Whether this process has a child, running or ended and not yet reaped: waitid(2) fails with ECHILD
    /// only when it has none (WNOWAIT leaves an ended one to be reaped; any other failure counts as a child).
    /// </summary>
    private static unsafe bool HasChildren()
    {
        byte* info = stackalloc byte[SigInfoSize];
        return waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) == 0 || Marshal.GetLastPInvokeError() != ECHILD;
    }

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static unsafe partial int waitid(int idType, int id, byte* info, int options);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);

    private static List<int> Children() =>
        [.. Directory.EnumerateDirectories("/proc/self/task")
            .SelectMany(task => Read($"{task}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse)];

    private static string Read(string file)
    {
        try { return File.ReadAllText(file); }
        catch (IOException) { return ""; } // a thread that ended meanwhile
    }
}
