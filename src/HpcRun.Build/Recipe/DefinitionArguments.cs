using System.Text.RegularExpressions;

namespace HpcRun.Build.Recipe;

/// <summary>
/// A definition file's build arguments, as Apptainer 1.2+ applies them (internal/pkg/build/args): every
/// `{{ NAME }}` (NAME: letters, digits, '_') in the whole file is replaced by the --build-arg value, else the default
/// from its %arguments section (`NAME=VALUE` lines; a default may name another argument as `{{ OTHER }}`, replaced
/// once). A line with a '#' followed by anything but '!' before the placeholder is a comment: left as it is. A
/// placeholder with no value fails the build with Apptainer's message. The substituted text is what the image
/// stores as its definition file, as Apptainer stores it.
/// </summary>
public static partial class DefinitionArguments
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("#[^!]")]
    private static partial Regex Comment();

    /// <summary>The text with its placeholders replaced; the names replaced are added to <paramref name="used"/>.
    /// Throws <see cref="RecipeException"/> (with the line) for a placeholder without a value, or an %arguments
    /// line that is not NAME=VALUE.</summary>
    public static string Substitute(string text, IReadOnlyDictionary<string, string> buildArgs, ISet<string> used) =>
        string.Join('\n', SubstituteLines(text, buildArgs, used).Select(l => l.Text));

    /// <summary><see cref="Substitute"/>, line by line: each line of the result with the line of
    /// <paramref name="text"/> it comes from (1-based), so that messages name the line as written also when a value
    /// holds a newline.</summary>
    public static List<(string Text, int Line)> SubstituteLines(string text,
        IReadOnlyDictionary<string, string> buildArgs, ISet<string> used)
    {
        Dictionary<string, string> defaults = Defaults(text);
        var result = new List<(string, int)>();
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            string replaced = Placeholder().Replace(line, match =>
            {
                if (Comment().IsMatch(line[..match.Index])) return match.Value;
                string name = match.Groups[1].Value;
                string value = buildArgs.GetValueOrDefault(name) ?? defaults.GetValueOrDefault(name)
                    ?? throw new RecipeException($"build var {name} is not defined through either --build-arg " +
                        "(--build-arg-file) or 'arguments' section", n + 1);
                used.Add(name);
                return Placeholder().Replace(value, inner =>
                    buildArgs.GetValueOrDefault(inner.Groups[1].Value)
                    ?? defaults.GetValueOrDefault(inner.Groups[1].Value) ?? inner.Value);
            });
            result.AddRange(replaced.Split('\n').Select(part => (part, n + 1)));
        }
        return result;
    }

    /// <summary>The %arguments section's NAME=VALUE lines (names and values trimmed; blank and '#' lines
    /// skipped).</summary>
    private static Dictionary<string, string> Defaults(string text)
    {
        var defaults = new Dictionary<string, string>();
        string[] lines = text.Split('\n');
        bool inside = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith('%') && line.Length > 1 && char.IsAsciiLetter(line[1]))
            {
                inside = line.Split([' ', '\t'])[0].Equals("%arguments", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            if (!inside || line.Length == 0 || line.StartsWith('#')) continue;
            string[] pair = line.Split('=', 2);
            if (pair.Length < 2 || pair[0].Trim().Length == 0)
                throw new RecipeException($"%arguments line is not NAME=VALUE: {line}", i + 1);
            defaults[pair[0].Trim()] = pair[1].Trim();
        }
        return defaults;
    }
}
