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
    public static string Substitute(string text, IReadOnlyDictionary<string, string> buildArgs, ISet<string> used)
    {
        Dictionary<string, string> defaults = Defaults(text);
        return Placeholder().Replace(text, match =>
        {
            int lineStart = text.LastIndexOf('\n', Math.Max(match.Index - 1, 0)) + 1;
            if (Comment().IsMatch(text[lineStart..match.Index])) return match.Value;
            string name = match.Groups[1].Value;
            string value = buildArgs.GetValueOrDefault(name) ?? defaults.GetValueOrDefault(name)
                ?? throw new RecipeException($"build var {name} is not defined through either --build-arg " +
                    "(--build-arg-file) or 'arguments' section", LineOf(text, match.Index));
            used.Add(name);
            return Placeholder().Replace(value, inner =>
                buildArgs.GetValueOrDefault(inner.Groups[1].Value) ?? defaults.GetValueOrDefault(inner.Groups[1].Value)
                ?? inner.Value);
        });
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

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
