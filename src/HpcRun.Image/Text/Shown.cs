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
        var text = new StringBuilder(path.Length);
        foreach (char c in path)
        {
            if (c is >= '\uDC80' and <= '\uDCFF') text.Append($"\\x{c - 0xDC00:X2}");
            else if (char.IsControl(c)) text.Append($"\\x{(int)c:X2}");
            else text.Append(c);
        }
        return text.Length <= 2 * Keep + 20 ? text.ToString()
            : $"{text.ToString(0, Keep)}...({text.Length - 2 * Keep} more)...{text.ToString(text.Length - Keep, Keep)}";
    }
}
