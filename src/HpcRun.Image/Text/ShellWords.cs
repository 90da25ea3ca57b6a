namespace HpcRun.Image.Text;

/// <summary>Words as a POSIX shell reads them back: what a generated script runs, and what `hpcrun inspect` shows
/// of a command (Entrypoint, Cmd), so that a word with blanks or quotes in it reads as the one word it is.</summary>
public static class ShellWords
{
    /// <summary><paramref name="words"/>, each quoted (<see cref="Quote"/>), separated by spaces.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    /// <summary><paramref name="word"/> as it is when it holds only characters no shell reads specially
    /// (letters, digits, / . _ - + = : , @ %), else in single quotes, each ' in it written '\''.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
