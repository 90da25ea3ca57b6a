namespace HpcRun.Build.Recipe;

/// <summary>
/// Reads a Dockerfile into its instructions (Dockerfile reference, "Format"): one instruction a line, a
/// backslash at a line's end continuing it, '#' lines as comments (inside a continued instruction too), the
/// keyword in any case, leading `--name=value` flags. Heredocs (`RUN &lt;&lt;EOF`, `RUN cat &lt;&lt;EOF &gt; f`, `COPY
/// &lt;&lt;EOF f`: <see cref="Heredoc"/>) and parser directives other than the default escape character are refused,
/// as are keywords the build does not know.
/// </summary>
public static class DockerfileParser
{
    /// <summary>The instructions the build runs, and those it accepts and ignores (EXPOSE, VOLUME...: they
    /// describe a service, which an HPC job is not).</summary>
    public static readonly string[] Keywords =
        ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "LABEL", "ENTRYPOINT", "CMD", "USER", "SHELL"];

    private static readonly string[] Ignored = ["EXPOSE", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER"];

    /// <summary>Throws <see cref="RecipeException"/> with the line of what it cannot read.</summary>
    public static IReadOnlyList<Instruction> Parse(string text)
    {
        Recipe.RefuseNul(text);
        var instructions = new List<Instruction>();
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                if (instructions.Count == 0 && IsDirective(line) is { } directive)
                    throw new RecipeException($"parser directive '{directive}' is not supported", i + 1);
                continue;
            }
            int start = i;
            var joined = new System.Text.StringBuilder();
            while (line.EndsWith('\\'))
            {
                joined.Append(line[..^1]).Append(' ');
                do i++;
                while (i < lines.Length && (lines[i].Trim().StartsWith('#') || lines[i].Trim().Length == 0));
                line = i < lines.Length ? lines[i].Trim() : "";
            }
            joined.Append(line);
            if (Read(joined.ToString(), start + 1) is { } instruction) instructions.Add(instruction);
        }
        Instruction? first = instructions.FirstOrDefault(x => x.Keyword != "ARG");
        if (first is not { Keyword: "FROM" }) // its line, or none (0: the whole file) when there is no instruction
            throw new RecipeException("a Dockerfile must start with FROM (after ARGs)", first?.Line ?? 0);
        return instructions;
    }

    private static string? IsDirective(string comment)
    {
        string body = comment[1..].Trim();
        int eq = body.IndexOf('=');
        if (eq <= 0 || body[..eq].Contains(' ')) return null;
        string name = body[..eq].Trim().ToLowerInvariant();
        if (name == "escape" && body[(eq + 1)..].Trim() == "\\") return null;
        return name is "escape" or "syntax" or "check" ? body : null;
    }

    /// <summary>The first heredoc of a RUN, COPY or ADD (arguments in shell form), as BuildKit's parser finds them:
    /// a word (quotes and escapes kept) that is `&lt;&lt;NAME`, `&lt;&lt;-NAME`, `&lt;&lt;"NAME"`, `&lt;&lt;'NAME'`,
    /// with a file descriptor before it or not (`2&lt;&lt;EOF`), anywhere in the line: `RUN &lt;&lt;EOF`, `RUN cat
    /// &lt;&lt;EOF &gt; /etc/conf`, `COPY &lt;&lt;EOF /etc/conf`; also `&lt;&lt; EOF` (a name after a blank), which a
    /// shell reads as one. Not a here-string (`&lt;&lt;&lt;`), nor `&lt;&lt;` inside quotes or a JSON array. Null:
    /// none.</summary>
    internal static string? Heredoc(string arguments)
    {
        List<string> words = RawWords(arguments);
        if (words.SkipWhile(w => w.StartsWith("--", StringComparison.Ordinal)).FirstOrDefault() is ['[', ..])
            return null; // exec form: BuildKit reads no heredoc there either
        for (int i = 0; i < words.Count; i++)
        {
            var match = System.Text.RegularExpressions.Regex.Match(words[i], @"^\d*<<(-?)([^<]*)$");
            if (!match.Success) continue;
            string name = match.Groups[2].Value;
            if (name.Length > 0) return words[i];
            if (i + 1 < words.Count
                && System.Text.RegularExpressions.Regex.IsMatch(words[i + 1], @"^([""']?)[A-Za-z_][A-Za-z0-9_]*\1$"))
                return $"{words[i]} {words[i + 1]}"; // not `$((1 << 2))`
        }
        return null;
    }

    /// <summary>Shell words with their quotes and escapes kept: blanks separate them outside quotes.</summary>
    private static List<string> RawWords(string text)
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
            if (c == '\\' && quote != '\'' && i + 1 < text.Length) word.Append(text[++i]);
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

    private static Instruction? Read(string text, int line)
    {
        int space = text.IndexOfAny([' ', '\t']);
        string keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        string rest = space < 0 ? "" : text[(space + 1)..].TrimStart();
        string? inner = keyword == "ONBUILD" ? rest.Split([' ', '\t'], 2)[0].ToUpperInvariant() : null;
        if ((inner ?? keyword) is "RUN" or "COPY" or "ADD" && Heredoc(inner is null ? rest : rest[inner.Length..])
                is { } heredoc)
            throw new RecipeException($"{(inner is null ? "" : "ONBUILD ")}{inner ?? keyword} with a heredoc " +
                $"({heredoc}) is not supported: write the lines out, or COPY a file of the build context", line);
        if (Ignored.Contains(keyword)) return null;
        if (keyword == "ONBUILD")
        {
            // Kept as written, variables unexpanded, as Docker records it: the trigger is read only where it runs,
            // in a build FROM this image.
            RefuseTrigger(rest, line);
            return new Instruction(keyword, new Dictionary<string, string>(), rest.Trim(), line) { Shown = text };
        }
        if (!Keywords.Contains(keyword)) throw new RecipeException($"unknown instruction {keyword}", line);
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
        return new Instruction(keyword, flags, rest, line) { Shown = text };
    }
}
