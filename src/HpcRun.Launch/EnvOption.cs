using System.Text;
using HpcRun.Image.Text;

namespace HpcRun.Launch;

/// <summary>
/// One --env argument, read as Apptainer reads its --env (pflag's stringToString): with a single '=' it is one
/// NAME=VALUE, commas and all; with more, a comma-separated list of NAME=VALUE in CSV's quoting (a field in double
/// quotes may hold commas; "" inside is one quote): `--env A=1,B=2` sets two variables,
/// `--env '"OPTS=-a,-b=1",B=2'` keeps the comma in OPTS.
/// </summary>
public static class EnvOption
{
    /// <summary>The assignments in <paramref name="option"/>, in order.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) when a part is not NAME=VALUE.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string option)
    {
        IEnumerable<string> parts = option.Count(c => c == '=') <= 1 ? [option.Trim('"')] : CsvFields(option);
        return [.. parts.Select(part => Assignment(part) ?? throw new HpcRunException(ExitCode.Usage,
            $"bad --env '{Shown.Excerpt(option)}': expected NAME=VALUE[,NAME=VALUE...]" +
            (part != option ? $" ('{Shown.Visible(part)}' is not; quote a value that holds a comma)" : "")))];
    }

    /// <summary>NAME=VALUE with NAME a shell variable name ([A-Za-z_][A-Za-z0-9_]*), or null.</summary>
    public static KeyValuePair<string, string>? Assignment(string text)
    {
        int eq = text.IndexOf('=');
        return eq > 0 && EnvTemplate.IsShellName(text[..eq]) ? KeyValuePair.Create(text[..eq], text[(eq + 1)..]) : null;
    }

    private static List<string> CsvFields(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"' && (quoted || field.Length == 0)) quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
