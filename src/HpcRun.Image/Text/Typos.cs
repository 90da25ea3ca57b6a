namespace HpcRun.Image.Text;

/// <summary>"Did you mean": the word a user meant when they misspelt one of a known set (hpcrun's verbs, a definition
/// file's sections).</summary>
public static class Typos
{
    /// <summary>The word among <paramref name="known"/> that <paramref name="word"/> is a typo of: at most one
    /// edit (a letter added, dropped, changed, or two swapped) for short words, two for longer ones; null for
    /// none, or for a word that looks like a path or a file name (anything but lower-case letters and `-`).</summary>
    public static string? Suggestion(string word, IEnumerable<string> known)
    {
        if (word.Length < 3 || !word.All(c => char.IsAsciiLetterLower(c) || c == '-')) return null;
        return known.Select(v => (Word: v, Distance: Distance(word, v)))
            .Where(c => c.Distance > 0 && c.Distance <= (c.Word.Length <= 4 ? 1 : 2))
            .OrderBy(c => c.Distance).Select(c => c.Word).FirstOrDefault();
    }

    /// <summary>Optimal string alignment distance: Levenshtein's with a swap of neighbours as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
