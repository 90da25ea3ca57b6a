namespace HpcRun.Build.Recipe;

/// <summary>
/// Reads a Dockerfile into its instructions (Dockerfile reference, "Format"): one instruction a line, a
/// backslash at a line's end continuing it, '#' lines as comments (inside a continued instruction too), the
/// keyword in any case, leading `--name=value` flags. Heredocs (`RUN &lt;&lt;EOF`) and parser directives other
/// than the default escape character are refused, as are keywords the build does not know.
/// </summary>
public static class DockerfileParser
{
    /// <summary>The instructions the build runs, and those it accepts and ignores (EXPOSE, VOLUME...: they
    /// describe a service, which an HPC job is not).</summary>
    public static readonly string[] Keywords =
        ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "LABEL", "ENTRYPOINT", "CMD", "USER", "SHELL"];

    private static readonly string[] Ignored = ["EXPOSE", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER",
        "ONBUILD"];

    /// <summary>Throws <see cref="RecipeException"/> with the line of what it cannot read.</summary>
    public static IReadOnlyList<Instruction> Parse(string text)
    {
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
        if (instructions.Count == 0 || instructions.First(x => x.Keyword != "ARG").Keyword != "FROM")
            throw new RecipeException("a Dockerfile must start with FROM (after ARGs)", 1);
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

    private static Instruction? Read(string text, int line)
    {
        int space = text.IndexOfAny([' ', '\t']);
        string keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        string rest = space < 0 ? "" : text[(space + 1)..].TrimStart();
        if (Ignored.Contains(keyword)) return null;
        if (!Keywords.Contains(keyword)) throw new RecipeException($"unknown instruction {keyword}", line);
        if (rest.Contains("<<", StringComparison.Ordinal) && keyword is "RUN" or "COPY" or "ADD"
            && System.Text.RegularExpressions.Regex.IsMatch(rest, @"<<-?[""']?[A-Za-z_]+[""']?\s*$"))
            throw new RecipeException($"{keyword} with a heredoc is not supported: write the lines out", line);
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
