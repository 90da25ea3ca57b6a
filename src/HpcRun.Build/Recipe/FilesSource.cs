using System.Globalization;
using System.Text;

namespace HpcRun.Build.Recipe;

/// <summary>
/// A %files source word expanded as Apptainer 1.5's CopyFromHost expands it (internal/pkg/build/files/files.go,
/// expandPath: mvdan.cc/sh runs `for n in SOURCE` with the build's own environment), before its wildcards match:
/// braces (`{a,b}`, `{1..3}`) first, then `~` (HOME), `$NAME` and `${NAME}` from hpcrun's environment (unset: empty),
/// quotes removed, and an unquoted value split at blanks, as a shell splits it. What a quote or backslash keeps
/// literal stays so: each field is a <see cref="GlobPattern"/> whose literal wildcards are escaped. Apptainer's
/// parser drops the double quotes around a whole source (deffile.go), so `"my dir/*.txt"` is a pattern, as there.
/// Command substitution, arithmetic and other parameter forms, which run code or need a shell's state, are refused,
/// and so are the variables that hold hpcrun's credentials (a registry password, a Slurm token): an expanded source
/// is shown in messages and kept in the build's records, where no secret may go. A word that expands to more than
/// <see cref="MostPaths"/> paths (`{1..100000000}`) is refused before it takes the memory.
/// </summary>
internal static class FilesSource
{
    /// <summary>The most paths one source may expand to.</summary>
    public const int MostPaths = 10_000;

    /// <summary>Thrown where brace expansion passes <see cref="MostPaths"/>; <see cref="Expand"/> words it.</summary>
    private sealed class TooManyPaths : Exception;
    /// <summary>The first word of a %files line as written (quotes and backslashes kept, as <see cref="Words"/>
    /// groups them) and the text after it.</summary>
    public static (string Word, string After) First(string line)
    {
        line = line.TrimStart();
        char quote = '\0';
        int i = 0;
        for (; i < line.Length && (quote != '\0' || !char.IsWhiteSpace(line[i])); i++)
        {
            if (line[i] == '\\' && quote != '\'' && i + 1 < line.Length) i++;
            else if (quote != '\0' && line[i] == quote) quote = '\0';
            else if (quote == '\0' && line[i] is '"' or '\'') quote = line[i];
        }
        return (line[..i], line[i..]);
    }

    /// <summary>The patterns <paramref name="word"/> expands to, in order; <paramref name="environment"/> gives a
    /// variable's value (null: unset). Throws <see cref="RecipeException"/> at <paramref name="line"/> for what is
    /// not supported and for a word that leaves no path.</summary>
    public static List<string> Expand(string word, Func<string, string?> environment, int line)
    {
        string shown = word;
        if (word.Length >= 2 && word[0] == '"' && word[^1] == '"' && word.IndexOf('"', 1) == word.Length - 1)
            word = word[1..^1].Replace(" ", "\\ ", StringComparison.Ordinal); // as Apptainer escapes spaces
        List<string> words;
        try { words = Braces(word); }
        catch (TooManyPaths) { throw Refused(shown, $"expands to more than {MostPaths} paths", line); }
        var fields = words.SelectMany(w => Fields(w, shown, environment, line)).ToList();
        if (fields.Count == 0 || fields.Any(f => f.Length == 0))
            throw Refused(shown, "expands to no path (an unset or empty variable?)", line);
        return fields;
    }

    /// <summary>Brace expansion, as bash and mvdan.cc/sh do it before anything else: the first `{...}` with a
    /// top-level comma (or a `{A..B}` sequence of numbers or letters), not quoted, escaped or after `$`, becomes
    /// one word per alternative, each expanded again; a brace without either is literal.</summary>
    private static List<string> Braces(string word)
    {
        for (int open = 0; (open = NextBrace(word, open)) >= 0; open++)
        {
            if (Alternatives(word, open) is not ({ } alternatives, int close)) continue;
            var words = new List<string>();
            foreach (string alternative in alternatives)
            {
                words.AddRange(Braces(word[..open] + alternative + word[(close + 1)..]));
                if (words.Count > MostPaths) throw new TooManyPaths();
            }
            return words;
        }
        return [word];
    }

    /// <summary>The index of the next unquoted, unescaped `{` at or after <paramref name="from"/> that does not
    /// start a `${...}`; -1: none.</summary>
    private static int NextBrace(string word, int from)
    {
        char quote = '\0';
        for (int i = 0; i < word.Length; i++)
        {
            char c = word[i];
            if (c == '\\' && quote != '\'') i++;
            else if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c == '$' && i + 1 < word.Length && word[i + 1] == '{')
                i = word.IndexOf('}', i) is var end and >= 0 ? end : word.Length;
            else if (c == '{' && i >= from) return i;
        }
        return -1;
    }

    /// <summary>The alternatives of the brace at <paramref name="open"/> and the index of its `}`; null when it has
    /// no top-level comma and is no sequence (bash leaves it as written).</summary>
    private static (List<string>? Alternatives, int Close) Alternatives(string word, int open)
    {
        var commas = new List<int>();
        char quote = '\0';
        int depth = 0;
        for (int i = open + 1; i < word.Length; i++)
        {
            char c = word[i];
            if (c == '\\' && quote != '\'') i++;
            else if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c == '{') depth++;
            else if (c == ',' && depth == 0) commas.Add(i);
            else if (c == '}' && depth-- == 0)
            {
                string inner = word[(open + 1)..i];
                if (commas.Count == 0) return (Sequence(inner), i);
                int[] cuts = [open, .. commas, i];
                return ([.. cuts.Zip(cuts.Skip(1)).Select(p => word[(p.First + 1)..p.Second])], i);
            }
        }
        return (null, open);
    }

    /// <summary>`A..B` (or `A..B..STEP`) of integers or of single letters, in either direction; null otherwise. As
    /// mvdan.cc/sh (expand/braces.go) has it: a step whose sign goes the other way (or 0) is 1, and the most zeros
    /// either end starts with are put before each number (`{01..03}`: 01 02 03).</summary>
    private static List<string>? Sequence(string inner)
    {
        string[] ends = inner.Split("..");
        if (ends.Length is < 2 or > 3 || ends.Length == 3 && !int.TryParse(ends[2], out _)) return null;
        bool numbers = int.TryParse(ends[0], out int from) & int.TryParse(ends[1], out int to);
        if (!numbers && !ends[..2].All(e => e.Length == 1 && char.IsAsciiLetter(e[0]))) return null;
        if (!numbers) (from, to) = (ends[0][0], ends[1][0]);
        int step = ends.Length == 3 ? int.Parse(ends[2], CultureInfo.InvariantCulture) : 0;
        step = step != 0 && step > 0 == from <= to ? step : from <= to ? 1 : -1;
        if (Math.Abs((long)to - from) / Math.Abs(step) >= MostPaths) throw new TooManyPaths();
        string zeros = new('0', ends[..2].Max(Zeros));
        var words = new List<string>();
        for (int n = from; from <= to ? n <= to : n >= to; n += step)
            words.Add(numbers ? zeros + n.ToString(CultureInfo.InvariantCulture) : ((char)n).ToString());
        return words;
    }

    /// <summary>The zeros a number starts with, none for one all of zeros (mvdan.cc/sh's extraLeadingZeros).
    /// </summary>
    private static int Zeros(string number) =>
        number.TakeWhile(c => c == '0').Count() is var n && n < number.Length ? n : 0;

    /// <summary>One brace-expanded word's fields: quotes removed, `~` and variables expanded, an unquoted value
    /// split at blanks; what is quoted or escaped made literal in the pattern.</summary>
    private static List<string> Fields(string word, string shown, Func<string, string?> environment, int line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool started = false; // a quote makes a field even when it is empty
        void Add(string text, bool literal) => field.Append(literal ? GlobPattern.Literal(text) : text);
        if (word.StartsWith('~') && (word.Length == 1 || word[1] == '/'))
        {
            Add(environment("HOME") ?? "~", literal: true);
            word = word[1..];
        }
        char quote = '\0';
        for (int i = 0; i < word.Length; i++)
        {
            char c = word[i];
            if (c == '\\' && i + 1 < word.Length && (quote == '\0' || quote == '"' && word[i + 1] is '$' or '\\' or
                    '"' or '`'))
                Add(word[++i].ToString(), literal: true);
            else if (quote != '\0' && c == quote) quote = '\0';
            else if (quote == '\0' && c is '"' or '\'') { quote = c; started = true; }
            else if (c == '$' && quote != '\'' && Variable(word, i, shown, line) is ({ } name, int length))
            {
                if (IsCredential(name))
                    throw Refused(shown, $"${name} holds a credential, which is never expanded", line);
                string value = environment(name) ?? "";
                i += length - 1;
                if (quote == '"') { Add(value, literal: true); continue; }
                foreach (char v in value) // unquoted: split at blanks, its wildcards match
                    if (v is ' ' or '\t' or '\n')
                    {
                        if (field.Length > 0 || started) fields.Add(field.ToString());
                        (field, started) = (new StringBuilder(), false);
                    }
                    else field.Append(v);
            }
            else if (c == '`' && quote != '\'') throw Refused(shown, "command substitution is not supported", line);
            else Add(c.ToString(), literal: quote != '\0' || c == ' ');
        }
        if (quote != '\0') throw Refused(shown, "a quote is not closed", line);
        if (field.Length > 0 || started) fields.Add(field.ToString());
        return fields;
    }

    /// <summary>The name and length of the variable reference at <paramref name="at"/> (`$NAME`, `${NAME}`); no
    /// name when the `$` is a plain character (before `/`, `.`, a blank or the end, as in a shell). Throws for the
    /// forms a shell has that hpcrun does not take.</summary>
    private static (string? Name, int Length) Variable(string word, int at, string shown, int line)
    {
        string rest = word[(at + 1)..];
        if (rest.StartsWith('('))
            throw Refused(shown, "command substitution and arithmetic are not supported", line);
        if (rest.StartsWith('{'))
        {
            int end = rest.IndexOf('}');
            string name = end < 0 ? rest[1..] : rest[1..end];
            return end > 1 && IsName(name) ? (name, end + 2) : throw Refused(shown, Only, line);
        }
        int length = 0;
        while (length < rest.Length && (char.IsAsciiLetterOrDigit(rest[length]) || rest[length] == '_')) length++;
        if (length > 0 && char.IsAsciiDigit(rest[0]) || length == 0 && rest.Length > 0 && "@*#?$!-".Contains(rest[0]))
            throw Refused(shown, Only, line);
        return length == 0 ? (null, 0) : (rest[..length], length + 1);
    }

    /// <summary>Whether <paramref name="name"/> is a variable hpcrun reads a secret from: a registry password
    /// (HPCRUN_, APPTAINER_ or SINGULARITY_DOCKER_PASSWORD) or a Slurm token (SLURM_JWT).</summary>
    private static bool IsCredential(string name) =>
        name == "SLURM_JWT" || name.EndsWith("_DOCKER_PASSWORD", StringComparison.Ordinal);

    private static bool IsName(string name) => name.Length > 0 && !char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private const string Only = "only $NAME and ${NAME} are expanded";

    private static RecipeException Refused(string word, string why, int line) =>
        new($"%files source {word}: {why}", line);
}
