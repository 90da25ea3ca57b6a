using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace HpcRun.TestSupport;

/// <summary>
/// Runs the published hpcrun binary as the unprivileged test user, as on a cluster node. The
/// binary is copied to a world-readable directory first (the clone may live under /root).
/// </summary>
public static class Hpcrun
{
    private static readonly Lazy<string> binary = new(CopyBinary);
    private const UnixFileMode WorldReadable = (UnixFileMode)0b111_101_101;

    /// <summary>The world-readable copy of artifacts/bin/hpcrun.</summary>
    public static string Binary => binary.Value;

    public static string UserHome => $"/home/{TestEnvironment.User}";

    /// <summary>Runs hpcrun with <paramref name="args"/> as the test user, in its home unless
    /// <paramref name="cwd"/> is given.</summary>
    public static CommandResult Run(IEnumerable<string> args, IDictionary<string, string>? env = null,
        string? cwd = null, string? stdin = null) =>
        TestEnvironment.Run("setpriv", AsUser(args), stdin, UserEnvironment(env), cwd ?? UserHome);

    public static CommandResult Run(params string[] args) => Run((IEnumerable<string>)args);

    /// <summary>Runs hpcrun with <paramref name="args"/> as <paramref name="user"/> (another account than the test
    /// user: <see cref="TestEnvironment.SecondUser"/>), with that user's HOME, USER and LOGNAME, in /.</summary>
    public static CommandResult RunAs(string user, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        TestEnvironment.Run("setpriv", AsUser(args, user), null, UserEnvironment(env, user), "/");

    /// <summary>Starts hpcrun as the test user (setpriv execs, so the process is hpcrun itself).
    /// <paramref name="gated"/>: the process waits for a line on its stdin before it becomes
    /// hpcrun (same pid), so that a test can start many at one instant.</summary>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? env = null, bool gated = false)
    {
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = gated,
            UseShellExecute = false,
            WorkingDirectory = UserHome,
        };
        IEnumerable<string> argv = AsUser(args);
        if (gated) argv = [.. argv.TakeWhile(a => a != "--"), "--", "sh", "-c", "read _ && exec \"$@\"", "sh",
            Binary, .. args];
        foreach (string arg in argv) info.ArgumentList.Add(arg);
        info.Environment.Clear();
        foreach (var (k, v) in UserEnvironment(env)) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    /// <summary>Runs a bash <paramref name="script"/> as the test user, in its home unless <paramref name="cwd"/>
    /// is given, with $H the hpcrun binary and $0, $1... <paramref name="args"/>: for what a test cannot
    /// pass through .NET's UTF-8 strings (bytes that are not UTF-8, process substitution, pipes).</summary>
    public static CommandResult Script(string script, IEnumerable<string>? args = null,
        IDictionary<string, string>? env = null,
        string? cwd = null, TimeSpan? timeout = null) =>
        TestEnvironment.Run("setpriv", ["--reuid", TestEnvironment.User, "--regid", TestEnvironment.User,
            "--init-groups", "--", "bash", "-c", $"export H={Binary}; {script}", .. args ?? []],
            null, UserEnvironment(env), cwd ?? UserHome, timeout);

    private static IEnumerable<string> AsUser(IEnumerable<string> args, string user = TestEnvironment.User) =>
        ["--reuid", user, "--regid", user, "--init-groups", "--", Binary, .. args];

    private static Dictionary<string, string> UserEnvironment(IDictionary<string, string>? extra,
        string user = TestEnvironment.User)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = $"/home/{user}",
            ["USER"] = user,
            ["LOGNAME"] = user,
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            ["LANG"] = "C.UTF-8",
            [LeakCheck.Marker] = LeakCheck.Owner,
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) env[k] = v;
        return env;
    }

    private static string CopyBinary()
    {
        string source = Path.GetDirectoryName(TestEnvironment.Binary)!;
        // One directory per checkout: worktrees on one machine each test their own build.
        string checkout = Convert.ToHexStringLower(
            SHA256.HashData(Encoding.UTF8.GetBytes(TestEnvironment.RepoRoot)))[..12];
        string dir = Path.Combine(TestImages.Dir, "bin", checkout);
        using (TestImages.Lock(Path.Combine(TestImages.Dir, ".bin.lock")))
        {
            Directory.CreateDirectory(dir, WorldReadable);
            foreach (string file in new[] { "hpcrun", "hpcrun-tools" })
            {
                // Test projects run at the same time: replace a binary only when the build changed,
                // never under another project's running hpcrun.
                string from = Path.Combine(source, file), target = Path.Combine(dir, file),
                    temp = target + $".{Environment.ProcessId}";
                if (File.Exists(target) && File.GetLastWriteTimeUtc(target) == File.GetLastWriteTimeUtc(from)
                    && new FileInfo(target).Length == new FileInfo(from).Length) continue;
                File.Copy(from, temp, overwrite: true);
                File.SetUnixFileMode(temp, WorldReadable);
                File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(from));
                File.Move(temp, target, overwrite: true);
            }
        }
        return Path.Combine(dir, "hpcrun");
    }
}
