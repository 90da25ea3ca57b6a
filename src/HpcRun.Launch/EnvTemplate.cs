using System.Text;

namespace HpcRun.Launch;

/// <summary>
/// A value given with --env, --env-file, APPTAINERENV_K or HPCRUN_ENV_K (README, "Environment"): `$NAME` and
/// `${NAME}` expand to the container's variable (empty when unset), `\$` is a literal `$` and `\\` a literal
/// `\`; everything else is taken as it is (no command substitution, no `${NAME:-word}`: a value is never run).
/// Apptainer evaluates the same values inside double quotes (its --no-eval turns that off); this is the part of
/// that evaluation its users rely on, the same whether the job's shell or hpcrun itself expands it.
/// </summary>
public sealed class EnvTemplate
{
    /// <summary>A piece of the value: literal text, or the name of a variable to expand.</summary>
    public readonly record struct Segment(string Text, bool IsVariable);

    public IReadOnlyList<Segment> Segments { get; }

    private EnvTemplate(IReadOnlyList<Segment> segments) => Segments = segments;

    /// <summary>A value taken as it is, nothing expanded (a single-quoted value in an --env-file).</summary>
    public static EnvTemplate Literal(string value) => new(value.Length == 0 ? [] : [new Segment(value, false)]);

    /// <summary>The variable <paramref name="name"/>'s value.</summary>
    public static EnvTemplate Variable(string name) => new([new Segment(name, true)]);

    /// <summary>The values one after the other (PATH prepended: the new part, ":", then $PATH).</summary>
    public static EnvTemplate Concat(params EnvTemplate[] parts) => new([.. parts.SelectMany(p => p.Segments)]);

    public static EnvTemplate Parse(string value)
    {
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        void Variable(string name)
        {
            if (literal.Length > 0) segments.Add(new Segment(literal.ToString(), false));
            literal.Clear();
            segments.Add(new Segment(name, true));
        }
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '$' or '\\') literal.Append(value[++i]);
            else if (c == '$' && NameAt(value, i + 1) is { Length: > 0 } bare) { Variable(bare); i += bare.Length; }
            else if (c == '$' && Braced(value, i) is { Length: > 0 } braced)
            { Variable(braced); i += braced.Length + 2; }
            else literal.Append(c);
        }
        if (literal.Length > 0) segments.Add(new Segment(literal.ToString(), false));
        return new EnvTemplate(segments);
    }

    /// <summary>The value with each variable replaced by <paramref name="lookup"/>'s answer (null: empty).</summary>
    public string Expand(Func<string, string?> lookup) =>
        string.Concat(Segments.Select(s => s.IsVariable ? lookup(s.Text) ?? "" : s.Text));

    /// <summary>A POSIX shell word that expands to the value: variables as "${NAME}", each literal piece through
    /// the variable <paramref name="carry"/> names for it (so the text itself never appears in the script).</summary>
    public string ToShellWord(Func<string, string> carry) =>
        Segments.Count == 0 ? "''"
            : string.Concat(Segments.Select(s => $"\"${{{(s.IsVariable ? s.Text : carry(s.Text))}}}\""));

    /// <summary>Whether <paramref name="name"/> is a POSIX shell variable name ([A-Za-z_][A-Za-z0-9_]*).</summary>
    public static bool IsShellName(string name) => name.Length > 0 && NameAt(name, 0).Length == name.Length;

    /// <summary>The NAME of a "${NAME}" at <paramref name="dollar"/>, or "".</summary>
    private static string Braced(string text, int dollar)
    {
        if (dollar + 1 >= text.Length || text[dollar + 1] != '{') return "";
        string name = NameAt(text, dollar + 2);
        int close = dollar + 2 + name.Length;
        return name.Length > 0 && close < text.Length && text[close] == '}' ? name : "";
    }

    private static string NameAt(string text, int start)
    {
        if (start >= text.Length || !(char.IsAsciiLetter(text[start]) || text[start] == '_')) return "";
        int end = start + 1;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
        return text[start..end];
    }
}
