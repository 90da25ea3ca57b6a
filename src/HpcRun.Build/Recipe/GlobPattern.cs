using System.Text;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Wildcard patterns over relative paths, as regexes. Two dialects. COPY and .dockerignore (<c>shell</c> false): `*`
/// and `?` within a name, `**` across directories, `[...]` a class of characters (ranges, `^` negating), as BuildKit's
/// Go filepath.Match and moby's patternmatcher read them. %files (<c>shell</c> true): what Apptainer 1.5's
/// CopyFromHost does with a source (internal/pkg/build/files/files.go, expandPath: the word expanded by mvdan.cc/sh,
/// as bash without globstar or extglob expands it): `*` and `?` within a name (`**` is `*`), `[...]` with ranges, `!`
/// or `^` negating and POSIX classes (`[[:digit:]]`), a backslash making the next character literal, a name starting
/// with `.` matched only by a pattern whose name starts with a literal `.`, and a `[` that closes nowhere a literal.
/// </summary>
internal static class GlobPattern
{
    /// <summary>The regex (without anchors) of <paramref name="pattern"/>.</summary>
    public static string ToRegex(string pattern, bool shell)
    {
        var regex = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (shell && (i == 0 || pattern[i - 1] == '/') && c != '.' && !pattern.AsSpan(i).StartsWith("\\."))
                regex.Append(@"(?!\.)"); // a hidden name needs its dot written
            if (shell && c == '\\' && i + 1 < pattern.Length) regex.Append(Escape(pattern[++i]));
            else if (c == '*' && !shell && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                bool slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*') regex.Append("[^/]*");
            else if (c == '?') regex.Append("[^/]");
            else if (c == '[' && Class(pattern, i, shell) is ({ } set, int end))
            {
                regex.Append(set);
                i = end;
            }
            else regex.Append(Escape(c));
        }
        return regex.ToString();
    }

    /// <summary>Whether <paramref name="pattern"/> has a wildcard (one not made literal by a backslash in the shell
    /// dialect; a `[` only when it closes).</summary>
    public static bool HasWildcard(string pattern, bool shell)
    {
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (shell && c == '\\') i++;
            else if (c is '*' or '?' || c == '[' && Class(pattern, i, shell).Set is not null) return true;
        }
        return false;
    }

    /// <summary>The path a shell pattern names when it has no wildcard (or matches nothing, when bash leaves the word
    /// as written): its backslashes removed, each keeping the character after it.</summary>
    public static string Unescape(string pattern)
    {
        var text = new StringBuilder(pattern.Length);
        for (int i = 0; i < pattern.Length; i++)
            text.Append(pattern[i] == '\\' && i + 1 < pattern.Length ? pattern[++i] : pattern[i]);
        return text.ToString();
    }

    /// <summary>A name as a shell pattern that matches only itself: its wildcards and backslashes escaped.</summary>
    public static string Literal(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name) text.Append(c is '\\' or '*' or '?' or '[' ? $"\\{c}" : c.ToString());
        return text.ToString();
    }

    private static readonly Dictionary<string, string> PosixClasses = new()
    {
        ["alpha"] = "a-zA-Z",
        ["digit"] = "0-9",
        ["alnum"] = "a-zA-Z0-9",
        ["upper"] = "A-Z",
        ["lower"] = "a-z",
        ["xdigit"] = "0-9A-Fa-f",
        ["space"] = @" \t\n\r\f\v",
        ["blank"] = @" \t",
        ["punct"] = @"!-/:-@\[-`{-~",
        ["print"] = @" -~",
        ["graph"] = "!-~",
        ["cntrl"] = @"\x00-\x1f\x7f",
        ["word"] = "a-zA-Z0-9_",
    };

    /// <summary>The .NET character class of the bracket expression at <paramref name="start"/> and the index of its
    /// `]`; no set when it does not close (or names an unknown POSIX class): the `[` is then a literal.</summary>
    private static (string? Set, int End) Class(string pattern, int start, bool shell)
    {
        int i = start + 1;
        bool negated = i < pattern.Length && (pattern[i] == '^' || shell && pattern[i] == '!');
        if (negated) i++;
        var set = new StringBuilder(negated ? "[^/" : "[");
        for (int first = i; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == ']' && i > first) return (set.Append(']').ToString(), i);
            if (shell && c == '[' && pattern.AsSpan(i).StartsWith("[:"))
            {
                int close = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (close < 0 || !PosixClasses.TryGetValue(pattern[(i + 2)..close], out string? members))
                    return (null, start);
                set.Append(members);
                i = close + 1;
                continue;
            }
            if (c == '\\' && i + 1 < pattern.Length) c = pattern[++i];
            set.Append(Escape(c, inClass: true));
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                char to = pattern[i + 2] == '\\' && i + 3 < pattern.Length ? pattern[i + 3] : pattern[i + 2];
                if (to < c) return (null, start); // an empty range: refused by Go, never matching in bash
                set.Append('-').Append(Escape(to, inClass: true));
                i += pattern[i + 2] == '\\' ? 3 : 2;
            }
        }
        return (null, start);
    }

    private static string Escape(char c, bool inClass = false) =>
        inClass ? c is '\\' or ']' or '[' or '^' or '-' ? $"\\{c}" : c.ToString()
            : System.Text.RegularExpressions.Regex.Escape(c.ToString());
}
