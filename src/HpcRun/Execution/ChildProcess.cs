using System.Diagnostics;

namespace HpcRun.Execution;

/// <summary>
/// A child started through hpcrun's own binary in exec mode (Native/early.c): before execve it
/// arranges to die with hpcrun (PR_SET_PDEATHSIG, so even SIGKILL of hpcrun leaves nothing
/// running), optionally enters the container root and working directory, and sets
/// no_new_privs. Why it could not exec comes back through a close-on-exec pipe.
/// </summary>
internal sealed class ChildProcess
{
    private readonly Process process;

    private ChildProcess(Process process) => this.process = process;

    public int Pid => process.Id;
    public bool HasExited => process.HasExited;

    /// <summary>Starts <paramref name="argv"/> (looked up on the PATH in <paramref name="environment"/>),
    /// in <paramref name="root"/> and <paramref name="cwd"/> when given, after entering the user and
    /// mount namespaces of process <paramref name="join"/> when given. Throws when exec failed.</summary>
    public static ChildProcess Start(IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment,
        string? root = null, string? cwd = null, bool quietStderr = false, int? join = null)
    {
        var (statusRead, statusWrite) = Syscalls.Pipe();
        try
        {
            var info = new ProcessStartInfo("/proc/self/exe") { UseShellExecute = false, RedirectStandardError = quietStderr };
            foreach (string arg in argv) info.ArgumentList.Add(arg);
            info.Environment.Clear();
            foreach (var (name, value) in environment) info.Environment[name] = value;
            info.Environment["HPCRUN_EXEC_PARENT"] = System.Environment.ProcessId.ToString();
            info.Environment["HPCRUN_EXEC_STATUS_FD"] = statusWrite.ToString();
            if (join is not null) info.Environment["HPCRUN_EXEC_JOIN"] = join.ToString();
            if (root is not null) info.Environment["HPCRUN_EXEC_ROOT"] = root;
            if (cwd is not null) info.Environment["HPCRUN_EXEC_CWD"] = cwd;
            Syscalls.ClearCloseOnExec(statusWrite);
            var process = Process.Start(info)!;
            Syscalls.Close(statusWrite);
            statusWrite = -1;
            var child = new ChildProcess(process);
            child.ThrowIfExecFailed(statusRead, argv[0], cwd);
            return child;
        }
        finally
        {
            Syscalls.Close(statusRead);
            if (statusWrite >= 0) Syscalls.Close(statusWrite);
        }
    }

    private void ThrowIfExecFailed(int statusRead, string program, string? cwd)
    {
        Span<byte> message = stackalloc byte[8];
        if (Syscalls.Read(statusRead, message) < 8) return; // closed by a successful execve
        int stage = BitConverter.ToInt32(message), errno = BitConverter.ToInt32(message[4..]);
        process.WaitForExit();
        string reason = System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
        throw stage switch
        {
            ExecStage.Cwd => new HpcRunException(ExitCode.SetupFailed, $"cannot enter working directory {cwd}: {reason}"),
            ExecStage.Exec when errno is (int)Errno.ENOENT or (int)Errno.ENOTDIR =>
                new HpcRunException(ExitCode.CommandNotFound, $"{program}: command not found in the image"),
            ExecStage.Exec => new HpcRunException(ExitCode.CommandNotExecutable, $"{program}: cannot execute: {reason}"),
            _ => new HpcRunException(ExitCode.SetupFailed, $"cannot start {program} ({ExecStage.Describe(stage)}): {reason}"),
        };
    }

    public void Signal(int signal) => Signals.Send(process.Id, signal);

    /// <summary>The exit status as a shell reports it: the code, or 128+N after signal N.</summary>
    public int WaitForExit()
    {
        process.WaitForExit();
        return process.ExitCode;
    }

    public bool WaitForExit(TimeSpan timeout) => process.WaitForExit(timeout);

    /// <summary>Up to the first line the child wrote on stderr (redirected children only).</summary>
    public string FirstErrorLine() => process.StandardError.ReadLine() ?? "";

    /// <summary>Matches the stage codes of Native/early.c.</summary>
    private static class ExecStage
    {
        public const int Parent = 1, Join = 2, Root = 3, Cwd = 4, Exec = 5;

        public static string Describe(int stage) => stage switch
        {
            Parent => "parent gone",
            Join => "joining the node's shared container",
            Root => "entering the container root",
            _ => "exec",
        };
    }
}
