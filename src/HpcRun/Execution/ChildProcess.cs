using System.Runtime.InteropServices;

namespace HpcRun.Execution;

/// <summary>
/// A child started by Native/early.c's hpcrun_spawn: between fork and execve it arranges to die
/// with hpcrun (PR_SET_PDEATHSIG, so even SIGKILL of hpcrun leaves nothing running), optionally
/// enters another rank's container, enters the container root and working directory, and sets
/// no_new_privs. Why it could not exec comes back through a close-on-exec pipe.
/// </summary>
internal sealed partial class ChildProcess
{
    private int? status;

    private ChildProcess(int pid) => Pid = pid;

    public int Pid { get; }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SpawnRequest
    {
        public nint* Argv, Envp;
        public nint SearchPath, Root, Cwd, JoinUser, JoinMnt;
        public int StatusFd;
    }

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_spawn")]
    private static unsafe partial int Spawn(SpawnRequest* request);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);

    /// <summary>Starts <paramref name="argv"/> (a bare name is looked up on the PATH in
    /// <paramref name="environment"/>), in <paramref name="root"/> and <paramref name="cwd"/> when
    /// given, after entering the user and mount namespaces of process <paramref name="join"/> when
    /// given. Throws when exec failed.</summary>
    public static unsafe ChildProcess Start(IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment,
        string? root = null, string? cwd = null, int? join = null)
    {
        var env = environment.ToList();
        var strings = new List<nint>();
        nint Utf8(string? text)
        {
            if (text is null) return 0;
            nint p = Marshal.StringToCoTaskMemUTF8(text);
            strings.Add(p);
            return p;
        }
        var (statusRead, statusWrite) = Syscalls.Pipe();
        try
        {
            nint* args = stackalloc nint[argv.Count + 1];
            for (int i = 0; i < argv.Count; i++) args[i] = Utf8(argv[i]);
            args[argv.Count] = 0;
            nint* envp = (nint*)NativeMemory.Alloc((nuint)(env.Count + 1), (nuint)sizeof(nint));
            try
            {
                for (int i = 0; i < env.Count; i++) envp[i] = Utf8($"{env[i].Key}={env[i].Value}");
                envp[env.Count] = 0;
                var request = new SpawnRequest
                {
                    Argv = args, Envp = envp,
                    SearchPath = Utf8(env.LastOrDefault(e => e.Key == "PATH").Value ?? "/usr/local/bin:/usr/bin:/bin"),
                    Root = Utf8(root), Cwd = Utf8(cwd),
                    JoinUser = Utf8(join is null ? null : $"/proc/{join}/ns/user"), JoinMnt = Utf8(join is null ? null : $"/proc/{join}/ns/mnt"),
                    StatusFd = statusWrite,
                };
                int pid = Spawn(&request);
                if (pid < 0) throw new SetupException($"cannot start {argv[0]}: {Marshal.GetPInvokeErrorMessage(-pid)}");
                Syscalls.Close(statusWrite);
                statusWrite = -1;
                var child = new ChildProcess(pid);
                child.ThrowIfExecFailed(statusRead, argv[0], cwd);
                return child;
            }
            finally { NativeMemory.Free(envp); }
        }
        finally
        {
            strings.ForEach(Marshal.FreeCoTaskMem);
            foreach (int fd in new[] { statusRead, statusWrite }) if (fd >= 0) Syscalls.Close(fd);
        }
    }

    private void ThrowIfExecFailed(int statusRead, string program, string? cwd)
    {
        Span<byte> message = stackalloc byte[8];
        if (Syscalls.Read(statusRead, message) < 8) return; // closed by a successful execve
        int stage = BitConverter.ToInt32(message), errno = BitConverter.ToInt32(message[4..]);
        WaitForExit();
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        throw stage switch
        {
            ExecStage.Cwd => new HpcRunException(ExitCode.SetupFailed, $"cannot enter working directory {cwd}: {reason}"),
            ExecStage.Exec when errno is (int)Errno.ENOENT or (int)Errno.ENOTDIR =>
                new HpcRunException(ExitCode.CommandNotFound, $"{program}: command not found in the image"),
            ExecStage.Exec => new HpcRunException(ExitCode.CommandNotExecutable, $"{program}: cannot execute: {reason}"),
            _ => new HpcRunException(ExitCode.SetupFailed, $"cannot start {program} ({ExecStage.Describe(stage)}): {reason}"),
        };
    }

    public void Signal(int signal)
    {
        if (status is null) Signals.Send(Pid, signal);
    }

    /// <summary>Waits for the child; its exit status as a shell reports it: the code, or 128+N after signal N.</summary>
    public unsafe int WaitForExit()
    {
        if (status is { } known) return known;
        int raw, pid;
        do pid = waitpid(Pid, &raw, 0);
        while (pid < 0 && Marshal.GetLastSystemError() == (int)Errno.EINTR);
        if (pid != Pid) throw new SetupException($"waitpid {Pid}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastSystemError())}");
        int signal = raw & 0x7f;
        status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal;
        return status.Value;
    }

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
