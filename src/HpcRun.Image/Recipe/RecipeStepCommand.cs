namespace HpcRun.Image.Recipe;

/// <summary>
/// The internal verb hpcrun-tools runs a recipe's RUN (or %post) with, as the launcher binary, which alone can enter
/// a user namespace (its constructor, Native/early.c): `hpcrun recipe-step ROOT CWD -- ARGV...`. ROOT is the build's
/// writable tree (an absolute host path), CWD the working directory inside it, then the command's argv. The command's
/// whole environment comes in the step's own environment, one entry per variable <see cref="EnvironmentPrefix"/>N
/// (N = 0, 1...: its order), not in the arguments: build args and proxy settings may hold credentials, and a
/// process's arguments are anyone's to read (/proc/PID/cmdline) where its environment is its owner's. The caller also
/// sets <see cref="NoJoinVariable"/> there (for the step, not the command), so that a build inside a batch job never
/// joins a job's container.
/// </summary>
public static class RecipeStepCommand
{
    public const string Verb = "recipe-step";

    /// <summary>What a step binds from the host onto the same paths in the tree (directories, with what is below them,
    /// and files), making what the tree lacks: hpcrun-tools leaves out of the image what was made only for this
    /// (an empty file or directory that was not there before the step), as BuildKit removes its mount stubs.</summary>
    public static readonly (string Path, bool Directory)[] MountPoints =
        [("/dev", true), ("/proc", true), ("/sys", true), ("/etc/resolv.conf", false), ("/etc/hosts", false)];

    /// <summary>Native/hpcrun.h's HPCRUN_NO_JOIN_VARIABLE.</summary>
    public const string NoJoinVariable = "HPCRUN_NO_JOIN";

    /// <summary>Native/hpcrun.h's HPCRUN_DIE_WITH_VARIABLE: the pid of the process the launcher dies with (the build
    /// that started it: its step, or the %test's exec), taken out of the environment before anything reads
    /// it; and the launcher's pid for the hpcrun-tools pull it starts (HpcRun.Tools/ParentDeath.cs).</summary>
    public const string ParentVariable = "HPCRUN_DIE_WITH";

    /// <summary>The prefix of the variables that carry the command's environment entries (NAME=VALUE).</summary>
    public const string EnvironmentPrefix = "HPCRUN_STEP_ENV_";

    /// <summary>hpcrun's arguments for one step.</summary>
    public static string[] Arguments(string root, string cwd, IReadOnlyList<string> argv) =>
        [Verb, root, cwd, "--", .. argv];

    /// <summary>The step's own variables that carry <paramref name="environment"/>, the command's.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Variables(
        IEnumerable<KeyValuePair<string, string>> environment) =>
        environment.Select((e, i) => KeyValuePair.Create($"{EnvironmentPrefix}{i}", $"{e.Key}={e.Value}"));

    /// <summary>The step <paramref name="args"/> (hpcrun's arguments) and <paramref name="variable"/> (the step's
    /// environment) name, or null when they name another verb. Throws <see cref="ArgumentException"/> when they are not
    /// what <see cref="Arguments"/> and <see cref="Variables"/> write.</summary>
    public static Step? Parse(string[] args, Func<string, string?> variable)
    {
        if (args.Length == 0 || args[0] != Verb) return null;
        if (args.Length < 5 || args[3] != "--")
            throw new ArgumentException($"{Verb} is hpcrun-tools' own: ROOT CWD -- ARGV...");
        var environment = new List<KeyValuePair<string, string>>();
        for (int i = 0; variable($"{EnvironmentPrefix}{i}") is { } entry; i++)
            environment.Add(entry.Split('=', 2) is [var name, var value] && name.Length > 0
                ? KeyValuePair.Create(name, value)
                : throw new ArgumentException($"{Verb}: {EnvironmentPrefix}{i} is not NAME=VALUE"));
        return new Step(args[1], args[2], environment, args[4..]);
    }

    public sealed record Step(string Root, string Cwd, IReadOnlyList<KeyValuePair<string, string>> Environment,
        IReadOnlyList<string> Argv);
}
