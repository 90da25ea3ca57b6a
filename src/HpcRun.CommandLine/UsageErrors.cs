using System.CommandLine;
using System.CommandLine.Parsing;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>
/// A command line that does not parse, said in hpcrun's words and with the verb's usage ("build needs OUTPUT and
/// SOURCE: hpcrun build [OPTIONS] OUTPUT SOURCE"), where System.CommandLine says "Required argument missing for
/// command: 'build'." An unknown option gets <see cref="UnsupportedOptions"/>' line: the library takes it for an
/// argument, so `doctor --bogus` would look for an image called --bogus.
/// </summary>
public static class UsageErrors
{
    /// <summary>The line for what is wrong with <paramref name="result"/>; null when nothing is.</summary>
    public static string? Describe(ParseResult result)
    {
        CommandResult verb = result.CommandResult;
        if (verb.Parent is null) // no verb and no image: what hpcrun takes, where the library says a command is missing
            return result.Errors.Count > 0 && result.UnmatchedTokens.Count == 0
                ? "no image and no verb: hpcrun [OPTIONS] IMAGE [CMD ARGS...] (see 'hpcrun --help')" : null;
        string name = string.Join(' ', Path(verb).Reverse());
        List<string> positionals = Positionals(result, verb);
        // An argument that looks like an option is one the verb lacks when it comes first (the verbs' arguments
        // are files, references and job ids) or when the line does not parse anyway.
        if (positionals.Where((value, i) => IsOptionLike(value) && (i == 0 || result.Errors.Count > 0))
            .FirstOrDefault() is { } unknown)
            return UnsupportedOptions.Unknown(unknown, name);
        if (Empty(verb, name) is { } empty) return empty;
        if (result.Errors.Count == 0) return null;
        if (result.UnmatchedTokens.FirstOrDefault() is { } extra)
            return verb.Command.Subcommands.Count > 0 && !IsOptionLike(extra) ? UnknownVerb(extra, verb.Command, name)
                : $"unexpected argument '{extra}' for {name}: hpcrun {Usage(verb.Command, name)}";
        if (result.Errors.Select(e => e.SymbolResult).OfType<OptionResult>()
            .FirstOrDefault(o => o.Tokens.Count == 0 && !o.Implicit) is { } option)
            return $"{option.Option.Name} needs a value (see 'hpcrun {name} --help')";
        // A single-valued option given twice, said as hpcrun says the rest (the library: "Option '-D' expects...").
        if (result.Errors.Select(e => e.SymbolResult)
            .Select(s => s is ArgumentResult { Parent: OptionResult o } ? o : s).OfType<OptionResult>()
            .FirstOrDefault(o => o.Tokens.Count > o.Option.Arity.MaximumNumberOfValues) is { } repeated)
            return $"{repeated.IdentifierToken?.Value ?? repeated.Option.Name} takes one value, given " +
                $"{repeated.Tokens.Count}: give it once (see 'hpcrun {name} --help')";
        if (result.Errors.Select(e => NotConverted(e.SymbolResult)).FirstOrDefault(w => w is not null) is { } bad)
            return $"{bad} (see 'hpcrun {name} --help')";
        string[] missing = [.. verb.Command.Arguments
            .Where(a => a.Arity.MinimumNumberOfValues > (verb.GetResult(a)?.Tokens.Count ?? 0))
            .Select(Placeholder)];
        if (missing.Length > 0)
            return $"{name} needs {string.Join(" and ", missing)}: hpcrun {Usage(verb.Command, name)}";
        if (verb.Command.Subcommands.Count > 0)
            return $"{name} needs one of: {string.Join(", ", verb.Command.Subcommands.Select(c => c.Name))} " +
                $"(see 'hpcrun {name} --help')";
        return null;
    }

    /// <summary>The line for <paramref name="word"/> where a verb of <paramref name="parent"/> (whose words are
    /// <paramref name="parentName"/>, empty for hpcrun itself) was expected: Apptainer's advice when it is one of the
    /// verbs hpcrun lacks, else "unknown verb", with the verb it is a typo of.</summary>
    public static string UnknownVerb(string word, Command parent, string parentName)
    {
        string prefix = parentName.Length > 0 ? parentName + " " : "";
        if (parentName.Length == 0 && UnsupportedVerbs.Refusal(word) is { } refusal) return refusal;
        return Typos.Suggestion(word, parent.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))
            is { } verb ? $"unknown verb '{prefix}{word}': did you mean {prefix}{verb}?"
            : $"unknown verb '{prefix}{word}' (see 'hpcrun {prefix}--help')";
    }

    /// <summary>The verb's usage line without "hpcrun ": its own (<see cref="VerbHelp"/>), else made from its
    /// arguments ("cache clean [OPTIONS]", "pull [OPTIONS] OUT [REFERENCE]"); a comment after it left out.</summary>
    public static string Usage(Command verb, string name) =>
        VerbHelp.UsageOf(verb)?.Split("   ")[0] ?? string.Join(' ',
        verb.Arguments.Select(a => a.Arity.MinimumNumberOfValues == 0 ? $"[{Placeholder(a)}]" : Placeholder(a))
            .Prepend($"{name} [OPTIONS]"));

    /// <summary>A value the library could not convert to its option's or argument's number type, in words ("-n:
    /// 'abc' is not a whole number (at most 2147483647)"), where the library names .NET's type
    /// ('System.Nullable`1[System.Int32]'); null for any other fault.</summary>
    private static string? NotConverted(SymbolResult? symbol)
    {
        (string Name, Type Type, IReadOnlyList<Token> Tokens)? found = symbol switch
        {
            OptionResult o => (o.Option.Name, o.Option.ValueType, o.Tokens),
            ArgumentResult { Parent: OptionResult o } a => (o.Option.Name, a.Argument.ValueType, a.Tokens),
            ArgumentResult a => (Placeholder(a.Argument), a.Argument.ValueType, a.Tokens),
            _ => null,
        };
        if (found is not { Tokens: [var token, ..] } value) return null;
        Type type = Nullable.GetUnderlyingType(value.Type) ?? value.Type;
        (long Least, long Most)? range = type == typeof(int) ? (int.MinValue, int.MaxValue)
            : type == typeof(long) ? (long.MinValue, long.MaxValue) : null;
        string? what = range is not { } r ? (type == typeof(double) ? "not a number" : null)
            : !AmountOptions.IsWholeNumber(token.Value) ? $"not a whole number (at most {r.Most})"
            : token.Value[0] == '-' ? $"too small (at least {r.Least})" : $"too large (at most {r.Most})";
        return what is null ? null : $"{value.Name}: '{HpcRun.Image.Text.Shown.Excerpt(token.Value)}' is {what}";
    }

    /// <summary>The options whose value names a file or directory of the host (build's --file, a launch's
    /// --env-file, submit's --chdir...): "" names none.</summary>
    private static readonly HashSet<string> PathOptions =
        ["--file", "--build-arg-file", "--env-file", "--token-file", "--chdir", "--output", "--dir"];

    /// <summary>The line for an argument or a path option (<see cref="PathOptions"/>) given as "" (an unset
    /// variable's "$OUT"), which names no file: the image's own line (<see cref="ImageArgument.EmptyLine"/>), or one
    /// that names the argument or option; null when none is empty.</summary>
    private static string? Empty(CommandResult verb, string name)
    {
        if (verb.Children.OfType<OptionResult>().FirstOrDefault(o => PathOptions.Contains(o.Option.Name)
                && o.Tokens.Any(t => t.Value.Length == 0)) is { } option)
            return $"{option.IdentifierToken?.Value ?? option.Option.Name} is empty, which names nothing " +
                $"(see 'hpcrun {name} --help')";
        IList<Argument> arguments = verb.Command.Arguments;
        List<(Argument Argument, string Value)> given = [.. arguments
            .SelectMany(a => verb.GetResult(a)?.Tokens.Select(t => (a, t.Value)) ?? [])];
        int at = given.FindIndex(g => g.Value.Length == 0 && g.Argument.Arity.MaximumNumberOfValues == 1);
        if (at < 0) return null;
        if (given[at].Argument.Name == "image") return ImageArgument.EmptyLine;
        // Optional arguments (pull [OUT] REFERENCE) are filled in order: which one it is shows only when all came.
        string which = given.Count == arguments.Count || arguments.All(a => a.Arity.MinimumNumberOfValues > 0)
            ? $"the {Placeholder(given[at].Argument)} argument" : "an argument";
        return $"{which} is empty, which names nothing: hpcrun {Usage(verb.Command, name)}";
    }

    private static string Placeholder(Argument argument) =>
        (argument.HelpName ?? argument.Name).ToUpperInvariant()
        + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : "");

    /// <summary>The verb's words, "cache clean" (the root's name left out), last word first.</summary>
    private static IEnumerable<string> Path(CommandResult verb) => Commands(verb).SkipLast(1).Select(c => c.Name);

    /// <summary>The verb and the commands above it, the root last.</summary>
    private static IEnumerable<Command> Commands(CommandResult verb)
    {
        for (SymbolResult? at = verb; at is CommandResult command; at = command.Parent) yield return command.Command;
    }

    /// <summary>The verb's arguments as typed, in order: the tokens after the last verb that are neither options
    /// nor their values, up to a "--".</summary>
    private static List<string> Positionals(ParseResult result, CommandResult verb)
    {
        Option[] options = [.. Commands(verb).SelectMany(c => c.Options)];
        IReadOnlyList<Token> tokens = result.Tokens;
        int at = tokens.Select((t, i) => (t, i)).LastOrDefault(x => x.t.Type == TokenType.Command).i;
        var positionals = new List<string>();
        for (int i = at + 1; i < tokens.Count && tokens[i].Type != TokenType.DoubleDash; i++)
        {
            if (tokens[i].Type == TokenType.Option)
            {
                string name = tokens[i].Value;
                if (options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name)) is { } option
                    && option.ValueType != typeof(bool)) i++; // its value
                continue;
            }
            if (tokens[i].Type == TokenType.Argument) positionals.Add(tokens[i].Value);
        }
        return positionals;
    }

    private static bool IsOptionLike(string value) =>
        value.Length > 1 && value[0] == '-' && !char.IsAsciiDigit(value[1]);
}
