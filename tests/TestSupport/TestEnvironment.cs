using System.Diagnostics;

namespace HpcRun.TestSupport;

/// <summary>Where the repository, the published hpcrun binary and the unprivileged test user are.</summary>
public static class TestEnvironment
{
    /// <summary>The unprivileged account the integration tests run hpcrun as (made by scripts/install-deps).</summary>
    public const string User = "hpcrun-test";

    /// <summary>A second unprivileged account (uid 1501), for what one user's files must never do to another's (a
    /// site's shared image cache). Made by scripts/install-deps, or here, once, where it is missing (the tests run as
    /// root): <see cref="EnsureSecondUser"/>.</summary>
    public const string SecondUser = "hpcrun-test2";

    private static readonly Lazy<string> secondUser = new(() =>
    {
        if (Run("id", [SecondUser]).ExitCode != 0
            && Run("useradd", ["--create-home", "--uid", "1501", "--shell", "/bin/bash", SecondUser]).ExitCode != 0
            && Run("id", [SecondUser]).ExitCode != 0) // another test process may have made it meanwhile
            throw new InvalidOperationException($"cannot make the account {SecondUser}");
        return SecondUser;
    });

    /// <summary><see cref="SecondUser"/>, made first when missing.</summary>
    public static string EnsureSecondUser() => secondUser.Value;

    /// <summary>Lets every user read and write what <paramref name="dir"/> holds (chmod -R a+rwX), the test user's
    /// image cache in it (<c>cache/</c>) aside: hpcrun refuses a cache that others may write.</summary>
    public static void OpenAllButTheCache(string dir) =>
        RunChecked("find", dir, "-path", Path.Combine(dir, "cache"), "-prune", "-o", "-exec", "chmod", "a+rwX", "{}",
            "+");

    /// <summary>Makes <paramref name="path"/> (and what it lacks on the way) a directory of <see cref="User"/>'s alone
    /// (0700), as hpcrun makes its image cache: one made by the tests' root would be another user's to hpcrun.
    /// Returns <paramref name="path"/>.</summary>
    public static string UsersOwnDirectory(string path)
    {
        RunChecked("install", "-d", "-o", User, "-g", User, "-m", "700", path);
        return path;
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The published NativeAOT binary (scripts/test publishes it before the tests run).</summary>
    public static string Binary =>
        Environment.GetEnvironmentVariable("HPCRUN_BIN") ?? Path.Combine(RepoRoot, "artifacts", "bin", "hpcrun");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HpcRun.sln"))) return dir.FullName;
        throw new InvalidOperationException("HpcRun.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a program to completion, returning its status and output.</summary>
    public static CommandResult Run(string program, IEnumerable<string> args, string? stdin = null,
        IDictionary<string, string>? env = null,
        string? cwd = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        if (cwd is not null) info.WorkingDirectory = cwd;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish");
        }
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a program, failing the test when it exits non-zero.</summary>
    public static string RunChecked(string program, params string[] args)
    {
        var result = Run(program, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }
}

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
