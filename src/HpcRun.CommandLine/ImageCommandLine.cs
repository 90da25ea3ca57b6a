using System.CommandLine;

namespace HpcRun.CommandLine;

/// <summary>
/// The command lines that end at an image, as Apptainer's launch verbs' do: hpcrun's run, exec, shell, test and the
/// bare form, and `submit`, whose job runs `hpcrun [LAUNCH OPTIONS] IMAGE CMD` and must take the same words. Before
/// the image come the verb's options; a "--" ends them, as cobra's does for Apptainer (`exec -B /d -- IMAGE CMD`), and
/// the next word is the image, whatever it looks like. What follows the image (after a "--" right after it, which is
/// dropped) is the job's command line, untouched: `hpcrun img ls -v` passes -v to ls.
/// </summary>
public static class ImageCommandLine
{
    /// <summary>Where the verb is in <paramref name="args"/>: the first word that is not one of
    /// <paramref name="root"/>'s options; -1 when there is none.</summary>
    public static int VerbAt(string[] args, Command root) => Array.FindIndex(args, a => !IsOption(a, root.Options));

    /// <summary>Splits <paramref name="args"/> at the image of the verb at <paramref name="verbAt"/>. Before it,
    /// bundled flags are taken apart as Apptainer's parser does (`-ce` is `-c -e`); an option's value is taken with it,
    /// so a value is never the image.</summary>
    /// <param name="options">The verb's options and its root's.</param>
    /// <param name="unknown">The line for an option the verb lacks (its name as typed).</param>
    /// <returns>The verb's words, ending with "--" and the image (so that the library reads an image called -x.sif as
    /// no option), and the job's command line; without "--" and image when none came (the verb says it needs
    /// one).</returns>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for an option the verb lacks.</exception>
    public static (string[] Ours, IReadOnlyList<string> Job) Split(string[] args, int verbAt,
        IReadOnlyList<Option> options, Func<string, string> unknown)
    {
        var ours = new List<string>(args[..(verbAt + 1)]);
        (string[], IReadOnlyList<string>) SplitAt(int at)
        {
            if (at >= args.Length) return ([.. ours], []);
            int rest = at + 1 < args.Length && args[at + 1] == "--" ? at + 2 : at + 1;
            return ([.. ours, "--", args[at]], args[rest..]);
        }
        for (int i = verbAt + 1; i < args.Length; i++)
        {
            if (args[i] == "--") return SplitAt(i + 1);
            if (!args[i].StartsWith('-') || args[i] == "-") return SplitAt(i); // the image
            string name = args[i].Split('=', 2)[0];
            Option? option = options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            if (option is null && Unbundled(args[i], options) is { } flags)
            {
                ours.AddRange(flags);
                continue;
            }
            if (option is null && WithAttachedValue(args[i], options))
            {
                ours.Add(args[i]); // `-N2`, `-B/data`: the library reads the letter's value after it
                continue;
            }
            if (option is null) throw new HpcRunException(ExitCode.Usage, unknown(name));
            ours.Add(args[i]);
            if (option.ValueType != typeof(bool) && !args[i].Contains('=') && i + 1 < args.Length)
                ours.Add(args[++i]); // its value
        }
        return ([.. ours], []);
    }

    /// <summary><paramref name="args"/> for the library to parse in one go when they name an
    /// <see cref="ImageVerb"/>: split at its image (<see cref="Split"/>), the job's words then follow the "--" before
    /// the image, where the library reads every word as an argument, "--", -v and --help included. Other verbs'
    /// arguments are returned as they are.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for an option the verb lacks.</exception>
    public static string[] JobInArguments(string[] args, Command root)
    {
        int verbAt = VerbAt(args, root);
        if (verbAt < 0 || root.Subcommands.FirstOrDefault(c => c.Name == args[verbAt]) is not ImageVerb verb)
            return args;
        var (ours, job) = Split(args, verbAt, [.. verb.Options, .. root.Options],
            name => UnsupportedOptions.Unknown(name, verb.Name));
        return [.. ours, .. job];
    }

    /// <summary>`-ce` as `-c`, `-e` when each letter is a flag's one-letter alias; null otherwise. A letter that
    /// takes a value is not unbundled: early.c, which skips hpcrun's options to find the image, reads a bundle
    /// as one flag (src/HpcRun/Native/hpcrun.h, HPCRUN_VALUE_OPTIONS).</summary>
    private static string[]? Unbundled(string arg, IReadOnlyList<Option> options)
    {
        if (arg.Length < 3 || arg[1] == '-' || !arg[1..].All(char.IsAsciiLetter)) return null;
        string[] flags = [.. arg[1..].Select(letter => $"-{letter}")];
        return flags.All(flag => options.Any(o => o.ValueType == typeof(bool) && o.Aliases.Contains(flag)))
            ? flags : null;
    }

    /// <summary>Whether <paramref name="arg"/> is a one-letter alias of an option that takes a value, with its value
    /// attached (`-N2`, as sbatch's users type it; `-B/data`, as Apptainer's parser takes it). early.c reads it as
    /// one word that names no option taking the next one, so it finds the same image.</summary>
    private static bool WithAttachedValue(string arg, IReadOnlyList<Option> options) =>
        arg.Length > 2 && arg[1] != '-'
        && options.Any(o => o.ValueType != typeof(bool) && o.Aliases.Contains(arg[..2]));

    private static bool IsOption(string arg, IEnumerable<Option> options) =>
        options.Any(o => o.Name == arg || o.Aliases.Contains(arg));
}

/// <summary>A verb whose command line ends at its image, read by <see cref="ImageCommandLine"/>: `submit`, whose
/// job's command line it passes on as the launcher would read it.</summary>
public sealed class ImageVerb(string name, string description) : Command(name, description);
