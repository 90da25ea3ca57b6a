using System.Text;

namespace HpcRun.Build.Recipe;

/// <summary>Splits an instruction's arguments into words as the Dockerfile's ENV, LABEL and ARG read them: spaces
/// separate, double and single quotes group, a backslash escapes the next character.</summary>
public static class Words
{
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && quote != '\'') { word.Append(text[++i]); inWord = true; }
            else if (quote != '\0' && c == quote) quote = '\0';
            else if (quote == '\0' && c is '"' or '\'') { quote = c; inWord = true; }
            else if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(c); inWord = true; }
        }
        if (quote != '\0') throw new RecipeException($"unterminated quote in: {text}");
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>NAME=VALUE pairs (ENV, LABEL, ARG), or the legacy `ENV NAME VALUE WITH SPACES` when the first word
    /// has no '='. A word without '=' (`ARG NAME`) has a null value.</summary>
    public static List<KeyValuePair<string, string?>> Pairs(string text, bool legacyForm)
    {
        List<string> words = Split(text);
        if (words.Count > 0 && !words[0].Contains('=') && legacyForm)
        {
            int space = text.TrimStart().IndexOfAny([' ', '\t']);
            string value = space < 0 ? "" : string.Join(' ', Split(text.TrimStart()[space..]));
            return [KeyValuePair.Create(words[0], (string?)value)];
        }
        return [.. words.Select(w => w.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : null))];
    }
}
