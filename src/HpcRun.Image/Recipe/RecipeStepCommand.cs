namespace HpcRun.Image.Recipe;

/// <summary>
/// The internal verb hpcrun-tools runs a recipe's RUN (or %post) with, as the launcher binary, which alone can enter
/// a user namespace (its constructor, Native/early.c): `hpcrun recipe-step ROOT CWD [NAME=VALUE ...] -- ARGV...`.
/// ROOT is the build's writable tree (an absolute host path), CWD the working directory inside it, then the
/// command's whole environment and its argv. The caller sets <see cref="NoJoinVariable"/> in the step's own
/// environment (not the command's), so that a build inside a batch job never joins a job's container.
/// </summary>
public static class RecipeStepCommand
{
    public const string Verb = "recipe-step";

    /// <summary>Native/hpcrun.h's HPCRUN_NO_JOIN_VARIABLE.</summary>
    public const string NoJoinVariable = "HPCRUN_NO_JOIN";

    /// <summary>hpcrun's arguments for one step (an environment entry always holds '=', so "--" ends them).</summary>
    public static string[] Arguments(string root, string cwd, IEnumerable<KeyValuePair<string, string>> environment,
        IReadOnlyList<string> argv) =>
        [Verb, root, cwd, .. environment.Select(e => $"{e.Key}={e.Value}"), "--", .. argv];

    /// <summary>The step <paramref name="args"/> (hpcrun's arguments) name, or null when they name another verb.
    /// Throws <see cref="ArgumentException"/> when they are not what <see cref="Arguments"/> writes.</summary>
    public static Step? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != Verb) return null;
        int end = Array.IndexOf(args, "--");
        if (args.Length < 4 || end < 3 || end == args.Length - 1)
            throw new ArgumentException($"{Verb} is hpcrun-tools' own: ROOT CWD [NAME=VALUE ...] -- ARGV...");
        var environment = args[3..end].Select(entry => entry.Split('=', 2))
            .Select(pair => KeyValuePair.Create(pair[0], pair.Length > 1 ? pair[1] : "")).ToList();
        return new Step(args[1], args[2], environment, args[(end + 1)..]);
    }

    public sealed record Step(string Root, string Cwd, IReadOnlyList<KeyValuePair<string, string>> Environment,
        IReadOnlyList<string> Argv);
}
