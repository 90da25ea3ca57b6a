using System.Diagnostics;
using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Runs a RUN (or %post) in a stage's tree through the launcher binary's `hpcrun recipe-step` (only it can
/// enter a user namespace: <see cref="RecipeStepCommand"/>), and %test in the finished image with `hpcrun exec`, its
/// output going straight to the user's terminal. apt's
/// sandbox, which drops to the _apt user and then checks that the ids changed (root emulation only pretends), is
/// switched off for the step by a file in /etc/apt/apt.conf.d that is removed again afterwards, as are the empty mount
/// points the step made (<see cref="MountStubs"/>). Cancelled, the step gets SIGTERM (forwarded to the command), then
/// SIGKILL.
/// </summary>
internal sealed class StepRunner(string hpcrun, IReadOnlyDictionary<string, string> proxies)
{
    private const string AptConfig = "etc/apt/apt.conf.d/00hpcrun-build-no-sandbox";

    /// <summary>Throws <see cref="ImageBuildException"/> (<see cref="BuildFailure.RecipeCommandFailed"/>) when the
    /// command exits non-zero.</summary>
    public void Run(string tree, StageState state, IReadOnlyList<string> argv, Instruction at,
        CancellationToken cancel)
    {
        string cwd = state.Config.WorkingDir is { Length: > 0 } dir ? dir : "/";
        MakeDirectory(tree, cwd);
        bool apt = Directory.Exists($"{tree}/etc/apt/apt.conf.d") && !File.Exists($"{tree}/{AptConfig}");
        if (apt) File.WriteAllText($"{tree}/{AptConfig}", "APT::Sandbox::User \"root\";\n");
        List<string> stubs = MountStubs.Before(tree);
        int status;
        try
        {
            status = Start(RecipeStepCommand.Arguments(tree, cwd, argv), cancel,
                RecipeStepCommand.Variables(ProxyVariables.Add(state.RunEnvironment(), proxies)));
        }
        finally
        {
            if (apt) File.Delete($"{tree}/{AptConfig}");
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
    private int Start(IEnumerable<string> arguments, CancellationToken cancel,
        IEnumerable<KeyValuePair<string, string>>? variables = null)
    {
        var start = new ProcessStartInfo(hpcrun);
        foreach (string arg in arguments) start.ArgumentList.Add(arg);
        start.Environment[RecipeStepCommand.NoJoinVariable] = "1";
        foreach (string inherited in start.Environment.Keys
                     .Where(k => k.StartsWith(RecipeStepCommand.EnvironmentPrefix, StringComparison.Ordinal)).ToList())
            start.Environment.Remove(inherited);
        foreach ((string name, string value) in variables ?? []) start.Environment[name] = value;
        using Process process = Process.Start(start)
            ?? throw new ImageBuildException($"cannot start {hpcrun}", BuildFailure.ToolMissing);
        using CancellationTokenRegistration stop = cancel.Register(() =>
        {
            Libc.Kill(process.Id, 15); // SIGTERM: the step forwards it to the command
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) TreeCopy.Kill(process);
        });
        process.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        return process.ExitCode;
    }

    /// <summary>Makes <paramref name="path"/> (the working directory, as WORKDIR does) inside the tree.</summary>
    public static void MakeDirectory(string tree, string path)
    {
        using RootDir root = RootDir.Open(Cwd, tree) ?? throw PosixException.Last($"cannot open the build's tree");
        using Location? at = root.Resolve(path, RootDir.Follow.Parents, created: _ => { });
        if (at is null || at.Name.Length == 0) return;
        if (MkdirAt(at.Directory, at.Name, 0b111_101_101) != 0 && Errno != EEXIST)
            throw PosixException.Last($"cannot make {path} in the image");
    }
}
