using System.Diagnostics;
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
        int status;
        try
        {
            status = Start(RecipeStepCommand.Arguments(tree, cwd, argv), cancel,
                RecipeStepCommand.Variables(ProxyVariables.Add(state.RunEnvironment(), proxies)), at);
        }
        finally
        {
            if (apt) TreeFiles.Remove(tree, AptConfig);
        }
        MountStubs.Remove(tree, stubs);
        Check(at.Keyword, at.Line, status);
    }

    /// <summary>Runs the test script of the finished <paramref name="image"/> (the %test at
    /// <paramref name="line"/>) as `apptainer test` does: in the image read-only, with the host's environment and
    /// current directory. Throws as <see cref="Run"/> does.</summary>
    public void Test(string image, int line, CancellationToken cancel) =>
        Check("%test", line, Start(["exec", image, "/.singularity.d/test"], cancel));

    private static void Check(string keyword, int line, int status)
    {
        if (status != 0)
            throw new ImageBuildException($"{keyword} at line {line} failed with exit status {status}",
                BuildFailure.RecipeCommandFailed);
    }

    /// <param name="variables">Set in the step's environment, after any of the same prefix it inherited are
    /// removed.</param>
    /// <param name="at">The instruction the step runs, for a command too long to start (null: %test).</param>
    private int Start(IEnumerable<string> arguments, CancellationToken cancel,
        IEnumerable<KeyValuePair<string, string>>? variables = null, Instruction? at = null)
    {
        var start = new ProcessStartInfo(hpcrun);
        foreach (string arg in arguments) start.ArgumentList.Add(arg);
        start.Environment[RecipeStepCommand.NoJoinVariable] = "1";
        // The step dies with this build, however it ends (Native/early.c: the launcher watches this process).
        start.Environment[RecipeStepCommand.ParentVariable] = $"{Environment.ProcessId}";
        foreach (string inherited in start.Environment.Keys
                     .Where(k => k.StartsWith(RecipeStepCommand.EnvironmentPrefix, StringComparison.Ordinal)).ToList())
            start.Environment.Remove(inherited);
        foreach ((string name, string value) in variables ?? []) start.Environment[name] = value;
        if (at is not null && TooLong([hpcrun, .. start.ArgumentList],
                [.. start.Environment.Select(e => $"{e.Key}={e.Value}")], ArgumentLimit()) is { } why)
            throw new RecipeException($"{at.Keyword} cannot be started: {why}", at.Line);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ImageBuildException($"cannot start {hpcrun}: {Libc.Describe(e.NativeErrorCode)}",
                BuildFailure.ToolMissing);
        }
        using (process)
            return Wait(process, cancel);
    }

    private static int Wait(Process process, CancellationToken cancel)
    {
        using CancellationTokenRegistration stop = cancel.Register(() =>
        {
            Libc.Kill(process.Id, 15); // SIGTERM: the step forwards it to the command
            if (process.WaitForExit(Grace)) return;
            // SIGKILL of the command, not of the step: the step is the subreaper of what the command started and
            // kills all of it once the command ended (src/HpcRun/Apply/Leftovers.cs). A step killed first took its
            // command along (PR_SET_PDEATHSIG) before a tree kill found the command's children, which init adopted.
            foreach (int command in Children(process.Id)) Libc.Kill(command, 9);
            if (!process.WaitForExit(Grace)) TreeCopy.Kill(process);
        });
        process.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        return process.ExitCode;
    }

    /// <summary>How long a cancelled step has for each stage of its end: its command's SIGTERM, then its own
    /// clean-up after the command's SIGKILL.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

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
