using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace HpcRun.CommandLine;

/// <summary>
/// A verb's own usage line and examples in its --help, in place of System.CommandLine's generated
/// "Usage:" (which cannot say that options after the image belong to the job's command). The library's
/// help layout is not public: its text is taken as written and the usage block replaced.
/// </summary>
public static class VerbHelp
{
    private static readonly Dictionary<Command, (string Usage, string[] Examples)> Verbs = [];

    /// <summary>Gives <paramref name="verb"/> its usage line (without "hpcrun ") and examples (whole command
    /// lines, a `# comment` after them allowed).</summary>
    public static T With<T>(this T verb, string usage, params string[] examples) where T : Command
    {
        Verbs[verb] = (usage, examples);
        return verb;
    }

    /// <summary>The usage line <paramref name="verb"/> was given (without "hpcrun "); null when it has none.</summary>
    public static string? UsageOf(Command verb) => Verbs.TryGetValue(verb, out var given) ? given.Usage : null;

    /// <summary>Lets <paramref name="help"/> print the usage and examples of the verbs that have them.</summary>
    public static void Customize(HelpOption help) => help.Action = new Action(help.Action!);

    /// <summary>The help option's action, with the verb's usage and examples.</summary>
    public sealed class Action(CommandLineAction library) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            InvocationConfiguration configuration = parseResult.InvocationConfiguration;
            TextWriter output = configuration.Output;
            var text = new StringWriter();
            configuration.Output = text;
            try { ((SynchronousCommandLineAction)library).Invoke(parseResult); }
            finally { configuration.Output = output; }
            output.Write(Verbs.TryGetValue(parseResult.CommandResult.Command, out var verb)
                ? Rewrite(text.ToString(), verb.Usage, verb.Examples) : text.ToString());
            return 0;
        }

        private static string Rewrite(string help, string usage, string[] examples)
        {
            var lines = help.Split('\n').ToList();
            int at = lines.FindIndex(l => l.StartsWith("Usage:", StringComparison.Ordinal));
            if (at >= 0)
            {
                int end = lines.FindIndex(at + 1, l => l.Trim().Length == 0);
                lines.RemoveRange(at + 1, (end < 0 ? lines.Count : end) - at - 1);
                lines.Insert(at + 1, $"  hpcrun {usage}");
            }
            string body = string.Join('\n', lines).TrimEnd();
            return $"{body}\n\nExamples:\n{string.Concat(examples.Select(e => $"  {e}\n"))}\n";
        }
    }
}
