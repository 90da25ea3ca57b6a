using System.Runtime.InteropServices;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Native;

namespace HpcRun.Apply;

/// <summary>
/// A child started by Native/early.c's hpcrun_spawn: between fork and execve it arranges to die
/// with hpcrun (PR_SET_PDEATHSIG: even SIGKILL of hpcrun takes the job's own process; what the job started besides
/// is left to init then, as no PID namespace holds it: README, "Supervision and exit status"), optionally
/// enters another rank's container, enters the container root and working directory, and sets
/// no_new_privs. Why it could not exec comes back through a close-on-exec pipe.
/// </summary>
internal sealed partial class ChildProcess
{
    private int? status;

    private ChildProcess(int pid) => Pid = pid;

    public int Pid { get; }

    /// <summary>Native/hpcrun.h's struct hpcrun_spawn (tests/HpcRun.Tests/Native/ContractTests.cs holds them
    /// equal).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SpawnRequest
    {
        public byte** Argv, Envp;
        public byte* SearchPath, Root, Cwd, JoinUser, JoinMnt;
        public int StatusFd, DropSysAdmin, EmulateRoot, WrappedJob;
    }

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_spawn")]
    private static unsafe partial int Spawn(SpawnRequest* request);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);

    /// <summary>Starts <paramref name="argv"/> (a bare name is looked up on the PATH in
    /// <paramref name="environment"/>), in <paramref name="root"/> and <paramref name="cwd"/> when
    /// given, after entering the user and mount namespaces <paramref name="join"/> names (paths of
    /// namespace files) when given. <paramref name="dropSysAdmin"/>: a job that runs as root inside
    /// (--fakeroot) has CAP_SYS_ADMIN removed from its bounding set, as container runtimes do by
    /// default, so that it cannot remount the read-only binds and root read-write. Strings pass as
    /// the bytes they carry (<see cref="Image.Text.RawText"/>). <paramref name="emulateRoot"/>: a recipe's RUN, whose
    /// ownership and identity calls succeed as no-ops (early.c's seccomp filter). <paramref name="wrappedJob"/>: where
    /// the job's own argv starts when <paramref name="argv"/> is the image's shell running its environment scripts
    /// first (<see cref="ContainerPlan.WrappedJob"/>); a job that shell could not start is said as the job's own
    /// exec failure. Throws when exec failed.</summary>
    public static unsafe ChildProcess Start(IReadOnlyList<string> argv,
        IEnumerable<KeyValuePair<string, string>> environment,
        string? root = null, string? cwd = null, (string User, string Mount)? join = null, bool dropSysAdmin = false,
        bool emulateRoot = false, int wrappedJob = 0)
    {
        var env = environment.ToList();
        var (statusRead, statusWrite) = Syscalls.Pipe();
        using var strings = new NativeStrings();
        try
        {
            var request = new SpawnRequest
            {
                Argv = strings.Array(argv),
                Envp = strings.Array(env.Select(e => $"{e.Key}={e.Value}")),
                SearchPath = strings.Add(SearchPath(env)),
                Root = strings.Add(root),
                Cwd = strings.Add(cwd),
                JoinUser = strings.Add(join?.User),
                JoinMnt = strings.Add(join?.Mount),
                StatusFd = statusWrite,
                DropSysAdmin = dropSysAdmin ? 1 : 0,
                EmulateRoot = emulateRoot ? 1 : 0,
                WrappedJob = wrappedJob,
            };
            int pid = Spawn(&request);
            if (pid < 0)
                throw new SetupException(
                    $"cannot start {Shown.Visible(argv[0])}: {Marshal.GetPInvokeErrorMessage(-pid)}");
            Syscalls.Close(statusWrite);
            statusWrite = -1;
            var child = new ChildProcess(pid);
            child.ThrowIfExecFailed(statusRead, argv, wrappedJob, cwd);
            ParentWatch.Adopt(child); // a build's step or test dies with the build
            return child;
        }
        finally
        {
            foreach (int fd in new[] { statusRead, statusWrite }) if (fd >= 0) Syscalls.Close(fd);
        }
    }

    private void ThrowIfExecFailed(int statusRead, IReadOnlyList<string> argv, int wrappedJob, string? cwd)
    {
        Span<byte> message = stackalloc byte[ExecReport.Size];
        if (Syscalls.Read(statusRead, message) < ExecReport.Size) return; // closed by a successful execve
        var report = ExecReport.Read(message);
        WaitForExit();
        throw ExecFailure(report, argv[report.Stage == ExecStage.Job ? wrappedJob : 0], cwd);
    }

    /// <summary>Native/hpcrun.h's struct hpcrun_exec_report: where and why the child could not start the job, what it
    /// found out about the file (<see cref="ExecDetail"/>) and the interpreter or loader that names.</summary>
    internal readonly record struct ExecReport(int Stage, int Errno, int Detail = ExecDetail.None, string Name = "")
    {
        public const int Size = 256, NameOffset = 12;

        public static ExecReport Read(ReadOnlySpan<byte> bytes)
        {
            ReadOnlySpan<byte> name = bytes[NameOffset..];
            int end = name.IndexOf((byte)0);
            return new ExecReport(BitConverter.ToInt32(bytes), BitConverter.ToInt32(bytes[4..]),
                BitConverter.ToInt32(bytes[8..]), Image.Text.RawText.Decode(end < 0 ? name : name[..end]));
        }
    }

    /// <summary>ENOEXEC's words, as a shell says them of a program for another machine (Native/hpcrun.h's
    /// hpcrun_exec_failure says them too; doctor tells that failure by them).</summary>
    public const string ExecFormatError = "Exec format error";

    /// <summary>How a launch says that the program it was to start is not in the container.</summary>
    public const string NotInImage = "command not found in the image";

    /// <summary>The PATH a bare command name is looked up in: the job's own, else the standard one.</summary>
    public static string SearchPath(IEnumerable<KeyValuePair<string, string>> environment) =>
        environment.LastOrDefault(e => e.Key == "PATH").Value ?? EnvironmentPart.DefaultPath;

    /// <summary>Why <paramref name="program"/> did not start: the child failed at the report's stage
    /// (<see cref="ExecStage"/>) with its errno and detail (<see cref="ExecDetail"/>), in a shell's words: 127 where
    /// a file is missing, 126 where one cannot be executed. Native/hpcrun.h's hpcrun_exec_failure says the same for
    /// early.c's fast join. The names are the image's and the command line's: shown as <see cref="Shown.Visible"/>
    /// shows them, and a #! line that ends in a carriage return is said to be one of DOS (CRLF) line endings.</summary>
    internal static HpcRunException ExecFailure(ExecReport report, string program, string? cwd)
    {
        var (stage, errno, detail, rawName) = report;
        if (stage == ExecStage.Job) stage = ExecStage.Exec; // the wrapped job's own program: said as its exec
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        string name = Shown.Visible(rawName), hint = rawName.EndsWith('\r') ? ImageEnvironment.CrlfHint : "";
        program = Shown.Visible(program);
        cwd = Shown.Visible(cwd ?? "");
        return stage switch
        {
            ExecStage.Cwd =>
                new HpcRunException(ExitCode.SetupFailed, $"cannot enter working directory {cwd}: {reason}"),
            ExecStage.Exec when detail == ExecDetail.Directory =>
                new HpcRunException(ExitCode.CommandNotExecutable, $"{program}: cannot execute: Is a directory"),
            ExecStage.Exec when detail == ExecDetail.Noexec => new HpcRunException(ExitCode.CommandNotExecutable,
                $"{program}: cannot execute: Permission denied (its file system is mounted noexec)"),
            ExecStage.Exec when detail == ExecDetail.Interpreter => new HpcRunException(ExitCode.CommandNotFound,
                $"{program}: bad interpreter: {name} is not in the image{hint}"),
            ExecStage.Exec when detail == ExecDetail.Loader => new HpcRunException(ExitCode.CommandNotFound,
                $"{program}: cannot execute: its loader {name} is not in the image (a program for another system?)"),
            ExecStage.Exec when detail == ExecDetail.Required =>
                new HpcRunException(ExitCode.CommandNotFound, $"{program}: cannot execute: required file not found"),
            ExecStage.Exec when detail == ExecDetail.Binary => new HpcRunException(ExitCode.CommandNotExecutable,
                $"{program}: cannot execute binary file: {ExecFormatError} (built for another machine?)"),
            ExecStage.Exec when detail == ExecDetail.NoShell => new HpcRunException(ExitCode.CommandNotExecutable,
                $"{program}: cannot execute: it has no #! line, and the image has no /bin/sh to run it as a script"),
            ExecStage.Exec when detail == ExecDetail.NoEnvShell => new HpcRunException(ExitCode.CommandNotFound,
                $"{program}: cannot start: {name}, the image's shell that runs its environment scripts first, is not " +
                "in the container (a bind over it?)"),
            ExecStage.Exec when errno is (int)Errno.ENOENT or (int)Errno.ENOTDIR =>
                new HpcRunException(ExitCode.CommandNotFound, $"{program}: {NotInImage}"),
            ExecStage.Exec =>
                new HpcRunException(ExitCode.CommandNotExecutable, $"{program}: cannot execute: {reason}"),
            _ => new HpcRunException(ExitCode.SetupFailed,
                $"cannot start {program} ({ExecStage.Describe(stage)}): {reason}"),
        };
    }

    public void Signal(int signal)
    {
        if (status is null) Signals.Send(Pid, signal);
    }

    /// <summary>The signal that killed the child, once it has ended by one (<see cref="WaitForExit"/>); else 0.
    /// </summary>
    public int KilledBy { get; private set; }

    /// <summary>Waits for the child; its exit status as a shell reports it: the code, or 128+N after signal N
    /// (<see cref="KilledBy"/>). Each time the child stops for job control (<see cref="Signals.IsJobControlStop"/>:
    /// Ctrl-Z, or a SIGTSTP hpcrun forwarded) <paramref name="stopped"/> runs: when it stopped hpcrun too, it returns
    /// true once hpcrun is continued, and the child goes on with it; false leaves the child to whoever stopped it. A
    /// shell's fg or bg has continued the child already (they signal the whole process group); after a SIGCONT of
    /// hpcrun alone the child is still stopped, and only then is it sent one here: sent to a child continued already,
    /// it could arrive after a new Ctrl-Z had stopped it again, and continue it while hpcrun stopped no more. A child
    /// stopped otherwise (SIGSTOP, or SIGTSTP by its own pid) is left to whoever stopped it, and hpcrun goes on
    /// serving its image.</summary>
    public int WaitForExit(Func<bool>? stopped = null)
    {
        const int WUNTRACED = 2, WCONTINUED = 8, WNOHANG = 1;
        if (status is { } known) return known;
        int options = stopped is null ? 0 : WUNTRACED | WCONTINUED;
        int raw = Wait(options);
        while (true)
        {
            if (raw == Continued) raw = Wait(options);
            else if ((raw & 0xff) == 0x7f && !Signals.IsJobControlStop((raw >> 8) & 0xff)) raw = Wait(options);
            else if ((raw & 0xff) == 0x7f)
            {
                if (!stopped!())
                {
                    raw = Wait(options);
                    continue;
                }
                if (TryWait(options | WNOHANG, out raw)) continue;
                Signals.Send(Pid, Signals.SIGCONT);
                raw = Wait(options);
            }
            else break;
        }
        KilledBy = raw & 0x7f;
        status = KilledBy == 0 ? (raw >> 8) & 0xff : 128 + KilledBy;
        return status.Value;
    }

    private const int Continued = 0xffff; // waitpid(2)'s status for WIFCONTINUED

    private int Wait(int options)
    {
        TryWait(options, out int raw); // without WNOHANG, waitpid reports a change or fails
        return raw;
    }

    /// <summary>waitpid(2) for the child, retried on EINTR; false when WNOHANG found nothing to report.</summary>
    private unsafe bool TryWait(int options, out int raw)
    {
        int pid, result;
        do pid = waitpid(Pid, &result, options);
        while (pid < 0 && Marshal.GetLastSystemError() == (int)Errno.EINTR);
        raw = result;
        if (pid == 0) return false;
        if (pid != Pid)
            throw new SetupException($"waitpid {Pid}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastSystemError())}");
        return true;
    }

    /// <summary>Native/hpcrun.h's enum hpcrun_exec_detail: what the child found out about a program execve refused
    /// (early.c: explain_exec).</summary>
    internal static class ExecDetail
    {
        public const int None = 0, Directory = 1, Noexec = 2, Interpreter = 3, Loader = 4, Required = 5, Binary = 6,
            NoShell = 7, NoEnvShell = 8;
    }

    /// <summary>Native/hpcrun.h's enum hpcrun_exec_stage: where the child failed.</summary>
    internal static class ExecStage
    {
        public const int Parent = 1, Join = 2, Root = 3, Cwd = 4, Exec = 5, Seccomp = 6, Job = 7;

        public static string Describe(int stage) => stage switch
        {
            Parent => "parent gone",
            Join => "joining the node's shared container",
            Root => "entering the container root",
            Seccomp => "root emulation (seccomp)",
            _ => "exec",
        };
    }
}
