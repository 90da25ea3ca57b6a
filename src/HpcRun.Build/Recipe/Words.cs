using System.Text;

namespace HpcRun.Build.Recipe;

/// <summary>Splits an instruction's arguments into words as the Dockerfile's ENV, LABEL and ARG read them: spaces
/// separate, double and single quotes group, the escape character (a backslash, or the backtick a Dockerfile's
/// `# escape=`` directive chooses) escapes the next character. Given a state, variables expand as the words are read
/// (Dockerfile reference, "Environment replacement"): not inside single quotes, not after the escape character (`\$X`
/// stays `$X`), and a value is never split into words. An unterminated quote throws <see cref="RecipeException"/> at
/// the <c>line</c> given (0: the caller's <see cref="RecipeBuilder"/> step names it). <c>keepEscapes</c>: an escaped
/// character keeps its backslash, for a %files source, which Apptainer's shell expansion reads as a pattern where it
/// makes a wildcard literal (<see cref="GlobPattern"/>).</summary>
public static class Words
{
    public static List<string> Split(string text, StageState? expand = null, char escape = '\\', int line = 0,
        bool keepEscapes = false)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == escape && i + 1 < text.Length && quote != '\'')
            {
                if (keepEscapes) word.Append(c);
                word.Append(text[++i]);
                inWord = true;
            }
            else if (quote != '\0' && c == quote) quote = '\0';
            else if (quote == '\0' && c is '"' or '\'') { quote = c; inWord = true; }
            else if (c == '$' && quote != '\'' && expand is not null && Reference(text, i) is > 0 and int length)
            {
                word.Append(expand.Expand(text.Substring(i, length), escape));
                i += length - 1;
                inWord = true;
            }
            else if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(c); inWord = true; }
        }
        if (quote != '\0') throw new RecipeException($"unterminated quote in: {text}", line);
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>NAME=VALUE pairs (ENV, LABEL, ARG), or the legacy `ENV NAME VALUE WITH SPACES` (`LABEL NAME VALUE`)
    /// when the first word has no '='. A word without '=' (`ARG NAME`; <see cref="DockerfileParser"/> refuses one in
    /// ENV and LABEL, as BuildKit) has a null value. <paramref name="expand"/>: as in <see cref="Split"/>.</summary>
    public static List<KeyValuePair<string, string?>> Pairs(string text, bool legacyForm, StageState? expand = null,
        char escape = '\\', int line = 0)
    {
        List<string> words = Split(text, expand, escape, line);
        if (words.Count > 0 && !words[0].Contains('=') && legacyForm)
        {
            int space = text.TrimStart().IndexOfAny([' ', '\t']);
            string value = space < 0 ? "" : string.Join(' ', Split(text.TrimStart()[space..], expand, escape, line));
            return [KeyValuePair.Create(words[0], (string?)value)];
        }
        return [.. words.Select(w => w.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : null))];
    }

    /// <summary>The length of the variable reference at <paramref name="at"/> (`$NAME`, `${...}`); 0: none.</summary>
    private static int Reference(string text, int at)
    {
        if (at + 1 < text.Length && text[at + 1] == '{')
        {
            int end = text.IndexOf('}', at + 2);
            return end < 0 ? 0 : end - at + 1;
        }
        int length = 0;
        while (at + 1 + length < text.Length && (char.IsAsciiLetterOrDigit(text[at + 1 + length])
                   || text[at + 1 + length] == '_')) length++;
        return length == 0 ? 0 : length + 1;
    }
}
