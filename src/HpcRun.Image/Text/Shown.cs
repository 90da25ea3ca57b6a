using System.Text;

namespace HpcRun.Image.Text;

/// <summary>Paths as messages show them: on one line, bytes that are not UTF-8 (carried as
/// <see cref="RawText"/> escapes) and control characters as \xNN, and the middle of a very long
/// path elided, so that one hostile name cannot make a message thousands of characters long.</summary>
public static class Shown
{
    private const int Keep = 60;

    public static string Path(string path)
    {
        string text = Visible(path);
        return text.Length <= 2 * Keep + 20 ? text
            : $"{text[..Keep]}...({text.Length - 2 * Keep} more)...{text[^Keep..]}";
    }

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
