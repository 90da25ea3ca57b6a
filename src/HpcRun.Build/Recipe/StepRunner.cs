using HpcRun.Build.Posix;
using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;
using HpcRun.Image.Text;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Runs a RUN (or %post) in a stage's tree through the launcher binary's `hpcrun recipe-step` (only it can
/// enter a user namespace: <see cref="RecipeStepCommand"/>), and %test in the finished image with `hpcrun exec`, its
/// output going straight to the user's terminal. apt's
/// sandbox, which drops to the _apt user and then checks that the ids changed (root emulation only pretends), is
/// switched off for the step by a file in /etc/apt/apt.conf.d that is removed again afterwards, as are the empty mount
/// points the step made (<see cref="MountStubs"/>). Cancelled, the step gets SIGTERM (forwarded to the command), then
/// its command SIGKILL, and the step kills what the command left running; killed itself (SIGKILL), the build leaves
/// no step running: each hpcrun it starts watches it (HPCRUN_DIE_WITH, src/HpcRun/Apply/ParentWatch.cs). A command
/// execve(2) would refuse as too long is said before it starts (<see cref="TooLong"/>).
/// </summary>
internal sealed partial class StepRunner(string hpcrun, IReadOnlyDictionary<string, string> proxies)
{
    private const string AptDirectory = "/etc/apt/apt.conf.d", AptConfig = $"{AptDirectory}/00hpcrun-build-no-sandbox",
        AptSetting = "APT::Sandbox::User \"root\";\n";

    /// <summary>Throws <see cref="ImageBuildException"/> (<see cref="BuildFailure.RecipeCommandFailed"/>) when the
    /// command exits non-zero.</summary>
    public void Run(string tree, StageState state, IReadOnlyList<string> argv, Instruction at,
        CancellationToken cancel)
    {
        string cwd = state.Config.WorkingDir is { Length: > 0 } dir ? dir : "/";
        MakeDirectory(tree, cwd);
        // In the tree as the RUN sees it: an image's /etc/apt/apt.conf.d -> /home/USER must not send it to the host.
        bool apt = TreeFiles.IsDirectory(tree, AptDirectory)
            && TreeFiles.CreateNew(tree, AptConfig, AptSetting, 0b110_100_100);
        List<string> stubs = MountStubs.Before(tree);
        (int, int) end;
        try
        {
            end = Start(RecipeStepCommand.Arguments(tree, cwd, argv), cancel,
                RecipeStepCommand.Variables(ProxyVariables.Add(state.RunEnvironment(), proxies)), at);
        }
        finally
        {
            if (apt) TreeFiles.Remove(tree, AptConfig);
        }
        MountStubs.Remove(tree, stubs);
        Check(at.Keyword, at.Line, end);
    }

    /// <summary>Runs the test script of the finished <paramref name="image"/> (the %test at
    /// <paramref name="line"/>) as `apptainer test` does: in the image read-only, with the host's environment and
    /// current directory. Throws as <see cref="Run"/> does.</summary>
    public void Test(string image, int line, CancellationToken cancel) =>
        Check("%test", line, Start(["test", image], cancel)); // APPTAINER_COMMAND=test, as Apptainer's build

    /// <summary>Throws <see cref="ImageBuildException"/> (<see cref="BuildFailure.RecipeCommandFailed"/>) for a
    /// step that exited non-zero or that a signal killed: `RUN at line 3 failed with exit status 3`, `RUN at line 3
    /// was killed by signal 9 (SIGKILL)` (a `kill -9 $$`, the OOM killer). Both are 110: 128+N is the status of a
    /// build that was itself stopped by a signal.</summary>
    private static void Check(string keyword, int line, (int ExitCode, int Signal) end)
    {
        if (end.Signal != 0)
            throw new ImageBuildException($"{keyword} at line {line} was killed by {SignalNames.Describe(end.Signal)}",
                BuildFailure.RecipeCommandFailed);
        if (end.ExitCode != 0)
            throw new ImageBuildException($"{keyword} at line {line} failed with exit status {end.ExitCode}",
                BuildFailure.RecipeCommandFailed);
    }

    /// <param name="variables">Set in the step's environment, after any of the same prefix it inherited are
    /// removed.</param>
    /// <param name="at">The instruction the step runs, for a command too long to start (null: %test).</param>
    /// <returns>How it ended: its exit status, or the signal that killed it (the other one 0). The step (the launcher
    /// binary) ends by the signal that killed its command, as a launch does (SignalDeath).</returns>
    private (int ExitCode, int Signal) Start(IReadOnlyList<string> arguments, CancellationToken cancel,
        IEnumerable<KeyValuePair<string, string>>? variables = null, Instruction? at = null)
    {
        // The step dies with this build, however it ends (Native/early.c: the launcher watches this process).
        List<KeyValuePair<string, string>> set =
        [
            new(RecipeStepCommand.NoJoinVariable, "1"),
            new(RecipeStepCommand.ParentVariable, $"{Environment.ProcessId}"),
            .. variables ?? [],
        ];
        List<string> environment =
        [
            .. ChildTool.InheritedEnvironment().Where(e => !e.StartsWith(RecipeStepCommand.EnvironmentPrefix,
                StringComparison.Ordinal) && !set.Any(v => e.StartsWith($"{v.Key}=", StringComparison.Ordinal))),
            .. set.Select(v => $"{v.Key}={v.Value}"),
        ];
        if (at is not null && TooLong([hpcrun, .. arguments], environment, ArgumentLimit()) is { } why)
            throw new RecipeException($"{at.Keyword} cannot be started: {why}", at.Line);
        ChildTool step;
        try { step = ChildTool.StartAttached(hpcrun, arguments, environment); }
        catch (Exception e) when (e is PosixException or MissingFileException)
        {
            throw new ImageBuildException(e is PosixException p ? p.Message
                : $"cannot start {hpcrun}: {Libc.Describe(ENOENT)}", BuildFailure.ToolMissing);
        }
        using (step)
            return Wait(step, cancel);
    }

    private static (int ExitCode, int Signal) Wait(ChildTool step, CancellationToken cancel)
    {
        using CancellationTokenRegistration stop = cancel.Register(() =>
        {
            step.Signal(15); // SIGTERM: the step forwards it to the command
            if (step.Ended(Grace)) return;
            // SIGKILL of the command, not of the step: the step is the subreaper of what the command started and
            // kills all of it once the command ended (src/HpcRun/Apply/Leftovers.cs). A step killed first took its
            // command along (PR_SET_PDEATHSIG) before a tree kill found the command's children, which init adopted.
            foreach (int command in Children(step.Pid)) Libc.Kill(command, 9);
            if (step.Ended(Grace)) return;
            foreach (int left in Descendants(step.Pid)) Libc.Kill(left, 9);
            step.Kill();
        });
        (int, int) end = step.Wait();
        cancel.ThrowIfCancellationRequested();
        return end;
    }

    /// <summary>How long a cancelled step has for each stage of its end: its command's SIGTERM, then its own
    /// clean-up after the command's SIGKILL.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private static IEnumerable<int> Descendants(int pid) =>
        Children(pid).SelectMany(child => Descendants(child).Prepend(child)).ToList();

    /// <summary>The children of <paramref name="pid"/> (/proc/PID/task/*/children, proc(5)); none once it ended.
    /// </summary>
    private static IEnumerable<int> Children(int pid)
    {
        string[] tasks;
        try { tasks = Directory.GetDirectories($"/proc/{pid}/task"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (string task in tasks)
        {
            string children;
            try { children = File.ReadAllText($"{task}/children"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; } // it ended
            foreach (string child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                yield return int.Parse(child);
        }
    }

    /// <summary>Linux's limit on one argument or variable, its NUL included (MAX_ARG_STRLEN, 32 pages).</summary>
    internal const int OneArgumentLimit = 128 << 10;

    /// <summary>Why execve(2) would refuse <paramref name="argv"/> and <paramref name="environment"/> (NAME=VALUE)
    /// with E2BIG, in words that say what to do instead; null when it takes them. One string may hold at most
    /// <see cref="OneArgumentLimit"/> bytes with its NUL, and all of them and their pointers at most
    /// <paramref name="limit"/> (<see cref="ArgumentLimit"/>). A RUN whose script is longer than 128 KiB fails so
    /// in every engine (`/bin/sh -c SCRIPT` is one argument): it is said before it starts.</summary>
    internal static string? TooLong(IReadOnlyList<string> argv, IReadOnlyList<string> environment, long limit)
    {
        const string Script = "COPY a script with the commands and RUN it";
        foreach (string arg in argv)
            if (RawText.Encode(arg).Length + 1 > OneArgumentLimit)
                return $"its command has an argument of {Kib(arg)} KiB, and Linux takes at most 128 KiB in one " +
                    $"(MAX_ARG_STRLEN): {Script}";
        foreach (string entry in environment)
            if (RawText.Encode(entry).Length + 1 > OneArgumentLimit)
                return $"its variable {entry.Split('=')[0]} is {Kib(entry)} KiB, and Linux takes at most 128 KiB in " +
                    "one (MAX_ARG_STRLEN): write the value to a file instead";
        long total = argv.Concat(environment).Sum(s => RawText.Encode(s).Length + 1L + IntPtr.Size);
        return total <= limit ? null : $"its command and environment are {total >> 10} KiB, and Linux passes at " +
            $"most {limit >> 10} KiB to a program (a quarter of the stack limit, ulimit -s): {Script}";
    }

    private static long Kib(string text) => (RawText.Encode(text).Length + 1023L) >> 10;

    /// <summary>What execve(2) takes in all (fs/exec.c): a quarter of the stack limit (sysconf's _SC_ARG_MAX), at
    /// most 6 MiB.</summary>
    private static long ArgumentLimit() => Math.Min(sysconf(0 /* _SC_ARG_MAX */) is > 0 and var n ? n : 2L << 20,
        6L << 20);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial long sysconf(int name);

    /// <summary>Makes <paramref name="path"/> (the working directory, as WORKDIR does) inside the tree.</summary>
    public static void MakeDirectory(string tree, string path)
    {
        using RootDir root = TreeFiles.Open(tree);
        using Location? at = root.Resolve(path, RootDir.Follow.Parents, created: _ => { });
        if (at is null || at.Name.Length == 0) return;
        if (MkdirAt(at.Directory, at.Name, 0b111_101_101) != 0 && Errno != EEXIST)
            throw PosixException.Last($"cannot make {path} in the image");
    }
}
