using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.Build.Posix;

/// <summary>
/// A helper program the build runs (mksquashfs). posix_spawn(3) starts it in a session and process group of its
/// own, so that a cancelled build kills it and whatever it started (mksquashfs runs a shell for each pseudo file)
/// at once (<see cref="Kill"/>), and the user's Ctrl-C reaches hpcrun, which then cleans up, rather than the
/// child alone. Its stdout is a pseudo-terminal, because mksquashfs draws its progress bar four times a second
/// only on a terminal (squashfs-tools progressbar.c; into a pipe it prints 100% at the end); stderr is a pipe,
/// stdin /dev/null; arguments and environment pass as bytes (<see cref="RawText"/>). Where no pseudo-terminal
/// can be had, stdout is a pipe too. (A SIGKILLed build cannot stop its child: posix_spawn cannot set
/// PR_SET_PDEATHSIG, and mksquashfs blocks the SIGHUP of a hung-up terminal. Slurm's SIGKILL reaches every
/// process of a step anyway.)
/// </summary>
internal sealed unsafe partial class ChildTool : IDisposable
{
    private const int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    private const int SIGKILL = 9, WEXITED = 4, WNOWAIT = 0x01000000, P_PID = 1;
    private const ulong TIOCSWINSZ = 0x5414;

    private readonly int pid, output;
    private readonly bool group;
    private readonly Task<string> errors;
    private readonly Lock gate = new();
    private readonly ManualResetEventSlim ended = new();
    private bool reaped;

    /// <param name="output">Its stdout's reading end, -1 for none (and <paramref name="errorPipe"/> stderr's).</param>
    /// <param name="group">Whether it leads a process group of its own, which <see cref="Signal"/> signals.</param>
    private ChildTool(int pid, int output, int errorPipe, bool group)
    {
        (this.pid, this.output, this.group) = (pid, output, group);
        errors = errorPipe >= 0 ? Task.Run(() => ReadAll(errorPipe)) : Task.FromResult("");
    }

    /// <summary>The child's process id (valid until <see cref="Wait"/> returns).</summary>
    public int Pid => pid;

    /// <summary>Starts <paramref name="program"/> (searched in PATH) with <paramref name="args"/> after its name and
    /// <paramref name="environment"/> (NAME=VALUE). Throws <see cref="FileNotFoundException"/> when it is not
    /// installed, <see cref="PosixException"/> when it cannot be started.</summary>
    public static ChildTool Start(string program, IReadOnlyList<string> args, IReadOnlyList<string> environment)
    {
        int master = OpenTerminal(out string? terminal);
        int* errorPipe = stackalloc int[2], outputPipe = stackalloc int[2];
        errorPipe[0] = errorPipe[1] = outputPipe[0] = outputPipe[1] = -1;
        if (Libc.Pipe2(errorPipe, Libc.O_CLOEXEC) != 0 || (master < 0 && Libc.Pipe2(outputPipe, Libc.O_CLOEXEC) != 0))
            throw PosixException.Last($"cannot start {program}");
        // glibc's posix_spawn_file_actions_t is 80 bytes: room to spare.
        byte* actions = stackalloc byte[256];
        try
        {
            posix_spawn_file_actions_init(actions);
            posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Libc.O_RDONLY, 0);
            if (terminal is not null)
                posix_spawn_file_actions_addopen(actions, 1, terminal, Libc.O_RDWR | Libc.O_NOCTTY, 0);
            else posix_spawn_file_actions_adddup2(actions, outputPipe[1], 1);
            posix_spawn_file_actions_adddup2(actions, errorPipe[1], 2);
            int child = Spawn(program, args, environment, actions, POSIX_SPAWN_SETSID);
            return new ChildTool(child, master >= 0 ? master : outputPipe[0], errorPipe[0], group: true);
        }
        catch
        {
            foreach (int fd in new[] { master, outputPipe[0], errorPipe[0] }) if (fd >= 0) Libc.Close(fd);
            throw;
        }
        finally
        {
            posix_spawn_file_actions_destroy(actions);
            foreach (int fd in new[] { outputPipe[1], errorPipe[1] }) if (fd >= 0) Libc.Close(fd);
        }
    }

    /// <summary>Starts <paramref name="program"/> as <see cref="Start"/> does, but as one of this process's own: in
    /// its process group (a terminal's Ctrl-C reaches both), with its stdin, stdout and stderr, <see cref="Signal"/>
    /// reaching it alone. For a recipe's step, whose output goes to the user's terminal and whose end
    /// <see cref="Wait"/> tells apart (an exit status or a signal), where .NET's Process says 128+N for both.</summary>
    public static ChildTool StartAttached(string program, IReadOnlyList<string> args,
        IReadOnlyList<string> environment)
    {
        byte* actions = stackalloc byte[256];
        posix_spawn_file_actions_init(actions);
        try { return new ChildTool(Spawn(program, args, environment, actions, 0), -1, -1, group: false); }
        finally { posix_spawn_file_actions_destroy(actions); }
    }

    /// <summary>posix_spawnp with <paramref name="actions"/> and <paramref name="flags"/>, every signal unblocked and
    /// at its default action (.NET ignores SIGPIPE); the child's pid.</summary>
    private static int Spawn(string program, IReadOnlyList<string> args, IReadOnlyList<string> environment,
        byte* actions, int flags)
    {
        // glibc's posix_spawnattr_t is 336 bytes, sigset_t 128: room to spare.
        byte* attributes = stackalloc byte[1024], mask = stackalloc byte[128], all = stackalloc byte[128];
        byte** argv = Strings([program, .. args]), envp = Strings(environment);
        try
        {
            posix_spawnattr_init(attributes);
            posix_spawnattr_setflags(attributes, (short)(flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
            sigemptyset(mask);
            posix_spawnattr_setsigmask(attributes, mask);
            sigfillset(all);
            posix_spawnattr_setsigdefault(attributes, all);
            int child, error = posix_spawnp(&child, program, actions, attributes, argv, envp);
            if (error == Libc.ENOENT) throw new MissingFileException($"{program} not found", program);
            if (error != 0) throw new PosixException($"cannot start {program}", error);
            return child;
        }
        finally
        {
            posix_spawnattr_destroy(attributes);
            Free(argv);
            Free(envp);
        }
    }

    /// <summary>This process's environment as it was started, bytes kept (.NET's copy decodes it as UTF-8).</summary>
    public static List<string> InheritedEnvironment()
    {
        var entries = new List<string>();
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "environ", out nint address))
            for (byte** e = *(byte***)address; e is not null && *e is not null; e++)
                entries.Add(RawText.FromNative(*e));
        return entries;
    }

    /// <summary>Reads the child's stdout; 0 once it is closed (a hung-up terminal reads as EIO: the end too).</summary>
    public int Read(Span<byte> buffer) => Math.Max(Libc.Read(output, buffer), 0);

    /// <summary>All the child wrote to stderr (once it has closed it).</summary>
    public string Errors() => errors.Result;

    /// <summary>Kills the child's process group (what it started too), unless it has been waited for already.</summary>
    public void Kill() => Signal(SIGKILL);

    /// <summary>Sends <paramref name="signal"/> to the child's process group (to the child alone when started by
    /// <see cref="StartAttached"/>), unless it has been waited for already.</summary>
    public void Signal(int signal)
    {
        lock (gate) if (!reaped) Libc.Kill(group ? -pid : pid, signal);
    }

    /// <summary>Whether the child ended within <paramref name="time"/>, while another thread is in <see cref="Wait"/>.
    /// </summary>
    public bool Ended(TimeSpan time) => ended.Wait(time);

    /// <summary>Waits for the child: its exit status, or the signal that ended it (the other one 0).</summary>
    public (int ExitCode, int Signal) Wait()
    {
        byte* info = stackalloc byte[128];
        while (waitid(P_PID, pid, info, WEXITED | WNOWAIT) != 0 && Libc.Errno == Libc.EINTR) { }
        ended.Set();
        int status = 0;
        lock (gate)
        {
            // Reaped under the lock: Kill never signals a pid the kernel may have given to another process.
            while (waitpid(pid, &status, 0) < 0 && Libc.Errno == Libc.EINTR) { }
            reaped = true;
        }
        return (status & 0x7F) == 0 ? ((status >> 8) & 0xFF, 0) : (0, status & 0x7F);
    }

    public void Dispose()
    {
        Kill();
        if (!reaped) Wait();
        if (output >= 0) Libc.Close(output);
        ended.Dispose();
    }

    private static int OpenTerminal(out string? name)
    {
        name = null;
        int master = posix_openpt(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
        if (master < 0) return -1;
        byte* path = stackalloc byte[256];
        ushort* size = stackalloc ushort[] { 24, 160, 0, 0 }; // struct winsize: rows, columns: room for the bar
        if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, path, 256) != 0
            || ioctl(master, TIOCSWINSZ, size) != 0)
        {
            Libc.Close(master);
            return -1;
        }
        name = RawText.FromNative(path);
        return master;
    }

    private static string ReadAll(int fd)
    {
        var text = new MemoryStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = Libc.Read(fd, buffer)) > 0;)
            if (text.Length < 1 << 20) text.Write(buffer, 0, n); // enough for any message; the rest is drained
        Libc.Close(fd);
        return RawText.Decode(text.ToArray());
    }

    private static byte** Strings(IReadOnlyList<string> strings)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(strings.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < strings.Count; i++) array[i] = RawText.ToNative(strings[i]);
        return array;
    }

    private static void Free(byte** array)
    {
        for (byte** s = array; *s is not null; s++) NativeMemory.Free(*s);
        NativeMemory.Free(array);
    }

    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_init(byte* actions);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_destroy(byte* actions);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int to);
    [LibraryImport("libc")] private static partial int posix_spawnattr_init(byte* attributes);
    [LibraryImport("libc")] private static partial int posix_spawnattr_destroy(byte* attributes);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setflags(byte* attributes, short flags);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigmask(byte* attributes, byte* mask);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigdefault(byte* attributes, byte* set);
    [LibraryImport("libc")] private static partial int sigemptyset(byte* set);
    [LibraryImport("libc")] private static partial int sigfillset(byte* set);
    [LibraryImport("libc", SetLastError = true)] private static partial int posix_openpt(int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int grantpt(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial int unlockpt(int fd);
    [LibraryImport("libc")] private static partial int ptsname_r(int fd, byte* buffer, nuint size);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, void* argument);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitid(int idType, int id, byte* info, int options);
    [LibraryImport("libc", SetLastError = true)] private static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addopen(byte* actions, int fd,
        [MarshalUsing(typeof(RawText.Marshaller))] string path, int flags, uint mode);

    [LibraryImport("libc")]
    private static partial int posix_spawnp(int* pid, [MarshalUsing(typeof(RawText.Marshaller))] string file,
        byte* actions, byte* attributes, byte** argv, byte** envp);
}
