using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HpcRun.Slurm;

/// <summary>
/// The forms in which a server, a proxy or a library may write a token back: each character as
/// itself, percent-encoded (RFC 3986, either case of hex), as a JSON \uXXXX escape (RFC 8259;
/// System.Text.Json writes + and &amp; so), JSON's short escapes \" \\ and \/ (json-c, which
/// slurmrestd 22.05 uses, writes / as \/), or an HTML character reference; the backslash of an
/// escape may itself be percent-encoded. Characters may mix forms, as a partly escaped echo does.
/// A token shorter than <see cref="Unmistakable"/> matches only as a whole: not where a letter or digit goes on
/// before or after it (a token "abc" is hidden in "token abc." and "t=%3Dabc", not in "abcd"), else a short token,
/// or one that is a common word, would garble unrelated text ("subm<token>ed"). An escape's last hex digit is no
/// letter of the text around it.
/// </summary>
internal static class TokenForms
{
    /// <summary>The length from which a token is hidden wherever it occurs, even inside a word: text that long is
    /// the token itself, never another word by chance, and a server may echo it glued to text.</summary>
    public const int Unmistakable = 24;

    // Before the token: a letter or digit that does not end an escape (%3D, \u003D, %5Cu003D) continues a word.
    private const string WordBefore = @"(?<!(?<!%[0-9A-Fa-f]|(?:\\|%5[cC])u[0-9A-Fa-f]{3})[A-Za-z0-9])";
    private const string WordAfter = "(?![A-Za-z0-9])";

    /// <summary>A pattern that matches <paramref name="token"/> in any of these forms.</summary>
    public static Regex Pattern(string token)
    {
        var pattern = new StringBuilder();
        bool whole = token.Length < Unmistakable;
        if (whole && char.IsAsciiLetterOrDigit(token[0])) pattern.Append(WordBefore);
        foreach (char c in token) pattern.Append("(?:").AppendJoin('|', Forms(c)).Append(')');
        if (whole && char.IsAsciiLetterOrDigit(token[^1])) pattern.Append(WordAfter);
        return new Regex(pattern.ToString(), RegexOptions.CultureInvariant);
    }

    private static IEnumerable<string> Forms(char c)
    {
        const string Backslash = @"(?:\\|%5[cC])";
        int code = c;
        yield return Regex.Escape(c.ToString());
        if (code <= 0xFF) yield return $"%{Hex(code, 2)}";
        yield return $"{Backslash}u{Hex(code, 4)}";
        if (c is '"' or '\\' or '/') yield return Backslash + Regex.Escape(c.ToString());
        yield return $"&#(?:0*{code.ToString(CultureInfo.InvariantCulture)}|[xX]0*{Hex(code, 1)});";
    }

    /// <summary>The hex digits of <paramref name="code"/> (at least <paramref name="digits"/>), either case.</summary>
    private static string Hex(int code, int digits) =>
        string.Concat(code.ToString("X" + digits, CultureInfo.InvariantCulture)
            .Select(d => char.IsAsciiLetter(d) ? $"[{d}{char.ToLowerInvariant(d)}]" : d.ToString()));
}
