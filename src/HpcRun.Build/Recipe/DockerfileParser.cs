using System.Text.RegularExpressions;
using HpcRun.Image.Text;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Reads a Dockerfile into its instructions (Dockerfile reference, "Format"), as BuildKit's parser does: one
/// instruction a line, the escape character (a backslash; a backtick after `# escape=``, as Windows Dockerfiles have
/// it) at a line's end (blanks may follow it) continuing it on the next line, the two joined by removing it and the
/// line break only (the next line's leading blanks kept), comment lines and empty lines inside a continued
/// instruction skipped; '#' lines as comments; the keyword in any case; leading `--name=value` flags. Parser
/// directives (`# syntax=`, `# check=`, `# escape=`) are read only at the very top, before any comment, blank line or
/// instruction; later they are comments. Each instruction carries the escape character
/// (<see cref="Instruction.Escape"/>) for its words. Heredocs (`RUN &lt;&lt;EOF`, `RUN cat &lt;&lt;EOF &gt; f`, `COPY
/// &lt;&lt;EOF f`: <see cref="Heredoc"/>) and keywords the build does not know are refused.
/// </summary>
public static class DockerfileParser
{
    /// <summary>The instructions the build runs, and those it accepts and ignores (EXPOSE, VOLUME...: they
    /// describe a service, which an HPC job is not).</summary>
    public static readonly string[] Keywords =
        ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "LABEL", "ENTRYPOINT", "CMD", "USER", "SHELL"];

    private static readonly string[] Ignored = ["EXPOSE", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER"];

    /// <summary>Throws <see cref="RecipeException"/> with the line of what it cannot read.
    /// <paramref name="warnings"/>, when given, gets what the build should say before it starts, each with its
    /// line (a `# syntax=` naming a frontend other than Docker's).</summary>
    public static IReadOnlyList<Instruction> Parse(string text, List<(int Line, string Text)>? warnings = null)
    {
        Recipe.RefuseNul(text);
        var instructions = new List<Instruction>();
        string[] lines = Recipe.WithoutBom(text).Split('\n');
        var directives = new HashSet<string>();
        bool atTop = true;
        char escape = '\\';
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r').TrimStart();
            atTop = atTop && Directive(line, i + 1, directives, warnings, ref escape);
            if (atTop || line.Length == 0 || line[0] == '#') continue;
            int start = i;
            bool continued = Continues(ref line, escape);
            var joined = new System.Text.StringBuilder(line);
            while (continued && ++i < lines.Length)
            {
                string next = lines[i].TrimEnd('\r');
                if (next.TrimStart() is "" or ['#', ..]) continue; // BuildKit skips them (an empty one with a warning)
                continued = Continues(ref next, escape);
                joined.Append(next);
            }
            if (joined.ToString().Trim() is { Length: > 0 } whole && Read(whole, start + 1, escape) is { } instruction)
                instructions.Add(instruction with { Escape = escape });
        }
        Instruction? first = instructions.FirstOrDefault(x => x.Keyword != "ARG");
        if (first is not { Keyword: "FROM" }) // its line, or none (0: the whole file) when there is no instruction
            throw new RecipeException("a Dockerfile must start with FROM (after ARGs)", first?.Line ?? 0);
        return instructions;
    }

    /// <summary>Whether <paramref name="lines"/> start as a Dockerfile: the first line that is neither blank nor a
    /// comment (a parser directive is one) is a FROM, or an ARG with a FROM on a later line.</summary>
    internal static bool Starts(IEnumerable<string> lines)
    {
        static bool Is(string line, string keyword) => line.Length > keyword.Length
            && line.StartsWith(keyword, StringComparison.OrdinalIgnoreCase) && char.IsWhiteSpace(line[keyword.Length]);
        List<string> meaningful = [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')];
        return meaningful.FirstOrDefault() is { } first
            && (Is(first, "FROM") || Is(first, "ARG") && meaningful.Any(l => Is(l, "FROM")));
    }

    /// <summary>A line's continuation (BuildKit's lineContinuationRegex): the <paramref name="escape"/> character at
    /// its end, blanks after it allowed, not itself escaped by another before it. When it has one,
    /// <paramref name="line"/> loses it and those blanks.</summary>
    private static bool Continues(ref string line, char escape)
    {
        string rest = line.TrimEnd(' ', '\t');
        if (!rest.EndsWith(escape) || rest.EndsWith($"{escape}{escape}", StringComparison.Ordinal)) return false;
        line = rest[..^1];
        return true;
    }

    /// <summary>Whether <paramref name="line"/> (its leading blanks trimmed), among the file's first lines, is a
    /// parser directive, as BuildKit reads them: `# name=value`, name one of syntax, check and escape in any case,
    /// each at most once. `syntax` and `check` change nothing here (hpcrun reads the Dockerfile itself; a frontend
    /// other than Docker's is a warning); `escape` sets <paramref name="escape"/> to a backslash or a backtick, the two
    /// BuildKit takes.</summary>
    private static bool Directive(string line, int number, HashSet<string> seen, List<(int, string)>? warnings,
        ref char escape)
    {
        var match = Regex.Match(line,
            @"^#[\t\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\f\r ]*=[\t\f\r ]*(.+?)[\t\f\r ]*$");
        string name = match.Groups[1].Value.ToLowerInvariant(), value = match.Groups[2].Value;
        if (!match.Success || name is not ("syntax" or "check" or "escape")) return false;
        if (!seen.Add(name)) throw new RecipeException($"only one {name} parser directive can be used", number);
        if (name == "escape" && value is not ("`" or "\\"))
            throw new RecipeException($"parser directive escape={value}: the escape character must be ` or \\",
                number);
        if (name == "escape") escape = value[0];
        if (name == "syntax" && !DockerFrontend(value))
            warnings?.Add((number, $"# syntax={value}: not used: hpcrun reads the Dockerfile itself, with the " +
                "syntax of Docker's standard frontend (docker/dockerfile)"));
        return true;
    }

    /// <summary>Whether a `# syntax=` image is Docker's Dockerfile frontend (docker/dockerfile, -upstream, any tag
    /// or digest, with docker.io before it or not), whose instructions are those this parser reads.</summary>
    private static bool DockerFrontend(string image) =>
        Regex.IsMatch(image,
            @"^(docker\.io/)?docker/dockerfile(-upstream)?([:@][^\s]*)?$", RegexOptions.IgnoreCase);

    /// <summary>The first heredoc of a RUN, COPY or ADD (arguments in shell form), as BuildKit's parser finds them:
    /// a word (quotes and escapes kept) that is `&lt;&lt;NAME`, `&lt;&lt;-NAME`, `&lt;&lt;"NAME"`, `&lt;&lt;'NAME'`,
    /// with a file descriptor before it or not (`2&lt;&lt;EOF`), anywhere in the line: `RUN &lt;&lt;EOF`, `RUN cat
    /// &lt;&lt;EOF &gt; /etc/conf`, `COPY &lt;&lt;EOF /etc/conf`; also `&lt;&lt; EOF` (a name after a blank), which a
    /// shell reads as one. Not a here-string (`&lt;&lt;&lt;`), nor `&lt;&lt;` inside quotes or a JSON array. Null:
    /// none.</summary>
    internal static string? Heredoc(string arguments, char escape = '\\')
    {
        List<string> words = RawWords(arguments, escape);
        if (words.SkipWhile(w => w.StartsWith("--", StringComparison.Ordinal)).FirstOrDefault() is ['[', ..])
            return null; // exec form: BuildKit reads no heredoc there either
        for (int i = 0; i < words.Count; i++)
        {
            var match = Regex.Match(words[i], @"^\d*<<(-?)([^<]*)$");
            if (!match.Success) continue;
            string name = match.Groups[2].Value;
            if (name.Length > 0) return words[i];
            if (i + 1 < words.Count
                && Regex.IsMatch(words[i + 1], @"^([""']?)[A-Za-z_][A-Za-z0-9_]*\1$"))
                return $"{words[i]} {words[i + 1]}"; // not `$((1 << 2))`
        }
        return null;
    }

    /// <summary>Shell words with their quotes and escapes (<paramref name="escape"/> and the character after it) kept:
    /// blanks separate them outside quotes.</summary>
    private static List<string> RawWords(string text, char escape)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\0' && c is ' ' or '\t')
            {
                if (word.Length > 0) words.Add(word.ToString());
                word.Clear();
                continue;
            }
            word.Append(c);
            if (c == escape && quote != '\'' && i + 1 < text.Length) word.Append(text[++i]);
            else if (quote == '\0' && c is '"' or '\'') quote = c;
            else if (c == quote) quote = '\0';
        }
        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }

    /// <summary>An ONBUILD trigger of a base image (its config's OnBuild), read where a build FROM that image runs it,
    /// attributed to <paramref name="line"/> (the FROM's); null for an instruction the build ignores (EXPOSE...).
    /// An image made elsewhere may hold what ONBUILD cannot write: refused as it would be there.</summary>
    internal static Instruction? ReadTrigger(string trigger, int line)
    {
        RefuseTrigger(trigger, line);
        return Read(trigger.Trim(), line);
    }

    /// <summary>Refuses the triggers Docker refuses (dispatchers' parseOnBuild): none, another ONBUILD (triggers
    /// are not inherited, so a chained one could never run where it means to), FROM and MAINTAINER.</summary>
    private static void RefuseTrigger(string trigger, int line)
    {
        string inner = trigger.Trim().Split([' ', '\t'], 2)[0].ToUpperInvariant();
        if (inner.Length == 0) throw new RecipeException("ONBUILD needs an instruction to run", line);
        if (inner == "ONBUILD")
            throw new RecipeException("ONBUILD ONBUILD: chaining ONBUILD is not allowed (nor in Docker): a trigger " +
                "runs in the build FROM this image and is not passed on", line);
        if (inner is "FROM" or "MAINTAINER")
            throw new RecipeException($"ONBUILD {inner}: {inner} is not allowed as an ONBUILD trigger (nor in " +
                "Docker)", line);
    }

    /// <summary>Refuses what BuildKit's parser refuses in ENV and LABEL (parseNameVal), which takes either
    /// NAME=VALUE pairs or the legacy `NAME VALUE...`: a legacy NAME without a value (`ENV C`), and a word without
    /// '=' among pairs (`ENV A=1 stray B=2`), which would otherwise set a variable or label no one meant, and a pair
    /// without a name (`ENV =x`, refused by BuildKit's instruction parser).</summary>
    private static void RefuseMalformedPairs(string keyword, string arguments, int line, char escape = '\\')
    {
        List<string> words = RawWords(arguments, escape);
        if (!words[0].Contains('='))
        {
            if (words.Count < 2)
                throw new RecipeException($"{keyword} {words[0]}: {keyword} must have two arguments (NAME VALUE), " +
                    "or be of the form NAME=VALUE", line);
        }
        else if (words.FirstOrDefault(w => !w.Contains('=')) is { } stray)
            throw new RecipeException($"{keyword}: syntax error: can't find = in \"{stray}\": each word must be of " +
                "the form NAME=VALUE", line);
        else if (words.FirstOrDefault(w => w[0] == '=') is { } blank)
            throw new RecipeException($"{keyword} {blank}: {keyword} names can not be blank", line);
    }

    private static Instruction? Read(string text, int line, char escape = '\\')
    {
        int space = text.IndexOfAny([' ', '\t']);
        string keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        string rest = space < 0 ? "" : text[(space + 1)..].TrimStart();
        string? inner = keyword == "ONBUILD" ? rest.Split([' ', '\t'], 2)[0].ToUpperInvariant() : null;
        if ((inner ?? keyword) is "RUN" or "COPY" or "ADD"
            && Heredoc(inner is null ? rest : rest[inner.Length..], escape) is { } heredoc)
            throw new RecipeException($"{(inner is null ? "" : "ONBUILD ")}{inner ?? keyword} with a heredoc " +
                $"({heredoc}) is not supported: write the lines out, or COPY a file of the build context", line);
        if (Ignored.Contains(keyword)) return null;
        if (keyword == "ONBUILD")
        {
            // Kept as written, variables unexpanded, as Docker records it: the trigger is read only where it runs,
            // in a build FROM this image; what BuildKit's parser refuses in it is refused here, as there.
            RefuseTrigger(rest, line);
            if (inner is "ENV" or "LABEL" && rest[inner.Length..].Trim() is { Length: > 0 } pairs)
                RefuseMalformedPairs(inner, pairs, line, escape);
            return new Instruction(keyword, new Dictionary<string, string>(), rest.Trim(), line) { Shown = text };
        }
        if (!Keywords.Contains(keyword))
            throw new RecipeException($"unknown instruction {keyword}" + (Typos.Suggestion(keyword.ToLowerInvariant(),
                Keywords.Concat(Ignored).Append("ONBUILD").Select(k => k.ToLowerInvariant())) is { } meant
                ? $": did you mean {meant.ToUpperInvariant()}?" : ""), line);
        var flags = new Dictionary<string, string>();
        while (rest.StartsWith("--", StringComparison.Ordinal) && keyword is "FROM" or "COPY" or "ADD" or "RUN")
        {
            int end = rest.IndexOfAny([' ', '\t']);
            string flag = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[(end + 1)..].TrimStart();
            string[] pair = flag[2..].Split('=', 2);
            flags[pair[0]] = pair.Length > 1 ? pair[1] : "true";
        }
        string[] allowed = keyword switch
        {
            "FROM" => ["platform"],
            "COPY" => ["from", "chown", "chmod", "link"],
            "ADD" => ["chown", "chmod", "link"],
            _ => [],
        };
        if (flags.Keys.FirstOrDefault(f => !allowed.Contains(f)) is { } unknown)
            throw new RecipeException($"{keyword} --{unknown} is not supported", line);
        if (rest.Length == 0 && keyword != "CMD" && keyword != "ENTRYPOINT")
            throw new RecipeException($"{keyword} needs arguments", line);
        if (keyword is "ENV" or "LABEL") RefuseMalformedPairs(keyword, rest, line, escape);
        return new Instruction(keyword, flags, rest, line) { Shown = text };
    }
}
