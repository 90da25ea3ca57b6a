using System.Text.RegularExpressions;

namespace HpcRun.Image.Metadata;

/// <summary>
/// The plain assignments of an Apptainer environment script (/.singularity.d/env/*.sh): `export NAME=value` with a
/// literal value, quoted or not. Lines that need a shell (expansions, commands) are left out. What applies of the
/// scripts of an image that has no /bin/sh to run them.
/// </summary>
public static partial class EnvironmentScript
{
    public static IEnumerable<string> Exports(string script) =>
        script.Split('\n').Select(ExportOf).OfType<string>();

    /// <summary>Whether <paramref name="script"/> holds a line that <see cref="Exports"/> leaves out: one that is not
    /// blank, a comment (the `#!` line too) or a plain export.</summary>
    public static bool LeavesOut(string script) =>
        script.Split('\n').Any(line => line.Trim() is { Length: > 0 } text && text[0] != '#' && ExportOf(line) is null);

    /// <summary>`NAME=value` of a plain export line; null for any other line.</summary>
    private static string? ExportOf(string line)
    {
        Match m = Export().Match(line);
        if (!m.Success) return null;
        string value = m.Groups["value"].Value;
        bool singleQuoted = value.Length >= 2 && value[0] == '\'' && value[^1] == '\'';
        if (value.Length >= 2 && (singleQuoted || value[0] == '"' && value[^1] == '"')) value = value[1..^1];
        if (!singleQuoted && value.IndexOfAny(['$', '`', '\\']) >= 0) return null;
        if (value.Contains('\'') || (!singleQuoted && value.Contains('"'))) return null;
        return $"{m.Groups["name"].Value}={value}";
    }

    [GeneratedRegex(@"^\s*export\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>[^\s;#]*|""[^""]*""|'[^']*')\s*$")]
    private static partial Regex Export();
}
