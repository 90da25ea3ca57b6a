using System.Text;

namespace HpcRun.Image.Text;

/// <summary>Paths and values as messages show them: on one line, bytes that are not UTF-8 (carried as
/// <see cref="RawText"/> escapes) and control characters as \xNN, and the middle of a very long one
/// elided, so that one hostile name or line of a file cannot make a message thousands of characters long.</summary>
public static class Shown
{
    private const int Keep = 60;

    /// <summary>How much of either end of an address <see cref="Address"/> keeps: a reference with a long path, a tag
    /// and a digest stays whole.</summary>
    private const int AddressKeep = 200;

    /// <summary>How much of either end of a whole message <see cref="Message"/> keeps.</summary>
    private const int MessageKeep = 500;

    /// <summary>What ends a URL inside a message: the words and quotes around it.</summary>
    private static readonly char[] UrlEnds = [' ', '\t', '\n', '\'', '"', '`'];

    /// <summary>A whole message line as <see cref="Excerpt"/> shows it, hundreds of characters kept at either end:
    /// whatever a message quotes that no <see cref="Excerpt"/> cut, it stays a line a terminal can show, and no URL
    /// in it shows a password.</summary>
    public static string Message(string text) => Excerpt(text, MessageKeep);

    public static string Path(string path) => Excerpt(path);

    /// <summary><paramref name="text"/> (a word or line the user or a file gave) as <see cref="Visible"/> shows it,
    /// its middle elided beyond <paramref name="keep"/> characters at either end: "aaaa...(4884 more)...aaaa", and
    /// the user information of each URL in it (SCHEME://USER:PASSWORD@HOST..., up to a space or a quote) as "***".
    /// </summary>
    public static string Excerpt(string text, int keep = Keep)
    {
        string shown = Visible(WithoutUserInfo(text));
        return shown.Length <= 2 * keep + 20 ? shown
            : $"{shown[..keep]}...({shown.Length - 2 * keep} more)...{shown[^keep..]}";
    }

    /// <summary><paramref name="address"/> (a URL or an image reference, as given) as <see cref="Excerpt"/> shows
    /// it, with its user information (USER:PASSWORD before the host, RFC 3986 3.2.1) as "***": a password typed
    /// into a reference or a mirror's URL is never printed.</summary>
    public static string Address(string address) =>
        Excerpt(UserInfoEnd(address) is var end and > 0 ? $"{address[..AuthorityStart(address)]}***{address[end..]}"
            : address, AddressKeep);

    /// <summary>Where the user information of <paramref name="address"/> ends: the index of its last '@' after the
    /// scheme that is no image digest's (`python@sha256:...`, `host/name@sha256:...`), since a typed password may hold
    /// a '/' that RFC 3986 would want escaped; -1 when there is none.</summary>
    public static int UserInfoEnd(string address) => UserInfoAt(address, AuthorityStart(address), address.Length);

    private static int UserInfoAt(string text, int start, int end)
    {
        for (int at = end - 1; at >= start; at--)
            if (text[at] == '@' && !text.AsSpan(at + 1).StartsWith("sha256:", StringComparison.Ordinal)) return at;
        return -1;
    }

    /// <summary><paramref name="text"/> with each URL's user information as "***" (<see cref="Excerpt"/>).</summary>
    private static string WithoutUserInfo(string text)
    {
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return text;
        var shown = new StringBuilder(text.Length);
        int done = 0;
        for (; scheme >= 0; scheme = text.IndexOf("://", done, StringComparison.Ordinal))
        {
            int start = scheme + 3, end = text.IndexOfAny(UrlEnds, start) is var e and >= 0 ? e : text.Length;
            int at = UserInfoAt(text, start, end);
            if (at < 0 && SpacedPasswordEnd(text, start, end) is var spaced and > 0)
                (at, end) = (spaced, text.IndexOfAny(UrlEnds, spaced) is var e2 and >= 0 ? e2 : text.Length);
            shown.Append(text, done, (at > start ? start : end) - done);
            if (at > start) shown.Append("***").Append(text, at, end - at);
            done = end;
        }
        return shown.Append(text, done, text.Length - done).ToString();
    }

    /// <summary>The '@' that ends a password with spaces in it (`docker://u:correct horse@host/x` inside a
    /// message), when the URL cut at its first space (<paramref name="start"/> to <paramref name="end"/>) is a bare
    /// USER:PASS, with no '/' or '@': the first '@' after it on the line that is no digest's, before any '/' or
    /// quote; -1 when there is none. A HOST:PORT followed by words with an address in them is shown as "***" too: a
    /// message cut short is better than a password shown.</summary>
    private static int SpacedPasswordEnd(string text, int start, int end)
    {
        if (end >= text.Length || text[end] is not (' ' or '\t')) return -1;
        ReadOnlySpan<char> cut = text.AsSpan(start, end - start);
        if (!cut.Contains(':') || cut.Contains('/')) return -1;
        for (int i = end; i < text.Length; i++)
            if (text[i] == '@') return text.AsSpan(i + 1).StartsWith("sha256:", StringComparison.Ordinal) ? -1 : i;
            else if (text[i] is '/' or '\n' or '\'' or '"' or '`') return -1;
        return -1;
    }

    private static int AuthorityStart(string address) =>
        address.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + 3 : 0;

    /// <summary><paramref name="text"/> with its control characters (C0, DEL, C1) and the bytes that are not
    /// UTF-8 as \xNN, nothing elided: a `#!/bin/sh\r` printed raw sends the cursor back, and the rest of the line
    /// overwrites the name. Native/hpcrun.h's hpcrun_shown writes the same for early.c.</summary>
    public static string Visible(string text)
    {
        var shown = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is >= '\uDC80' and <= '\uDCFF') shown.Append($"\\x{c - 0xDC00:X2}");
            else if (char.IsControl(c)) shown.Append($"\\x{(int)c:X2}");
            else shown.Append(c);
        }
        return shown.ToString();
    }
}
