using System.Text;

namespace HpcRun.Launch;

/// <summary>
/// --mount SPEC, Apptainer's (and Docker's) form of a bind: `type=bind,src=PATH,dst=PATH[,ro]`, with
/// `source`/`destination`/`target` and `readonly` as long names, `ro=true|false`, `readonly=true|false`; type may be
/// left out (bind is the only one). Read as Apptainer's ParseMountString reads it (pkg/runtime/engine/apptainer/config/
/// mount.go), with Go's encoding/csv: a field in double quotes keeps its commas (`"src=/data/a,b",dst=/x`) and `""`
/// inside them is one quote; each line is a mount of its own (APPTAINER_MOUNT may hold several). Beyond it, blanks
/// around a field and empty fields are let pass. Only binds: other types (image mounts) are refused.
/// </summary>
public static class MountOption
{
    /// <param name="source">Where the spec came from, as messages name it (--mount, APPTAINER_MOUNT).</param>
    /// <exception cref="HpcRunException">64 (usage): a quote out of place, not type=bind, a field missing or
    /// unknown.</exception>
    public static IReadOnlyList<BindSpec> Parse(string source, string spec)
    {
        List<List<string>> records;
        try { records = Records(spec); }
        catch (FormatException e) { throw Bad(source, spec, e.Message); }
        if (records.Count == 0) throw Bad(source, spec, "it needs src= and dst=");
        return [.. records.Select(fields =>
            Mount(source, records.Count == 1 ? spec : string.Join(',', fields), fields))];
    }

    private static BindSpec Mount(string source, string spec, List<string> fields)
    {
        string? src = null, dst = null;
        bool readOnly = false;
        foreach (string field in fields)
        {
            string[] kv = field.Split('=', 2);
            string key = kv[0], value = kv.Length == 2 ? kv[1] : "";
            switch (key)
            {
                case "type" when value != "bind": throw Bad(source, spec, "hpcrun mounts only type=bind");
                case "type": break;
                case "src" or "source": src = value; break;
                case "dst" or "destination" or "target": dst = value; break;
                case "ro" or "readonly":
                    readOnly = value switch
                    {
                        "" or "true" or "1" => true,
                        "false" or "0" => false,
                        _ => throw Bad(source, spec, $"{key} takes true or false, not '{value}'"),
                    };
                    break;
                case "image-src" or "id":
                    throw Bad(source, spec, $"{key}: hpcrun binds host paths, not paths inside an image file");
                default: throw Bad(source, spec, $"unknown field '{key}' (type, src, dst, ro)");
            }
        }
        if (string.IsNullOrEmpty(src) || string.IsNullOrEmpty(dst)) throw Bad(source, spec, "it needs src= and dst=");
        if (!dst.StartsWith('/') || PathText.Normalize(dst) == "/")
            throw Bad(source, spec, "dst must be an absolute path other than /");
        if (BindSpec.Refusal(src, PathText.Normalize(dst)) is { } why) throw Bad(source, spec, why);
        return new BindSpec(src, PathText.Normalize(dst), readOnly) { FromMount = true };
    }

    /// <summary>The lines of <paramref name="spec"/> and their fields, as encoding/csv reads them: a field that starts
    /// with a quote ends at the quote before a comma or the end of a line (`""` in it is a quote; commas and line
    /// breaks are kept); a quote anywhere else is an error. Blank lines are skipped, as csv skips them; so are empty
    /// fields, and blanks around a field (csv would keep them).</summary>
    /// <exception cref="FormatException">A quote out of place, or one never closed.</exception>
    internal static List<List<string>> Records(string spec)
    {
        var records = new List<List<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        void EndField()
        {
            if (field.ToString().Trim() is { Length: > 0 } text) fields.Add(text);
            field.Clear();
        }
        void EndRecord()
        {
            EndField();
            if (fields.Count > 0) records.Add(fields);
            fields = [];
        }
        while (i < spec.Length)
        {
            char c = spec[i];
            if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                for (i++; ; i++)
                {
                    if (i == spec.Length) throw new FormatException("a quote is never closed");
                    if (spec[i] != '"') field.Append(spec[i]);
                    else if (i + 1 < spec.Length && spec[i + 1] == '"') field.Append(spec[++i]);
                    else break;
                }
                string quoted = field.ToString();
                field.Clear();
                for (i++; i < spec.Length && spec[i] is ' ' or '\t' or '\r'; i++) { }
                if (i < spec.Length && spec[i] is not (',' or '\n'))
                    throw new FormatException("text after a closing quote: quote the whole field (\"src=a,b\")");
                if (quoted.Length > 0) fields.Add(quoted);
                if (i < spec.Length && spec[i] == '\n') EndRecord();
                i++;
                continue;
            }
            if (c == '"') throw new FormatException("a quote inside a field: quote the whole field (\"src=a,b\")");
            if (c == ',') EndField();
            else if (c == '\n') EndRecord();
            else field.Append(c);
            i++;
        }
        EndRecord();
        return records;
    }

    private static HpcRunException Bad(string source, string spec, string why) =>
        new(ExitCode.Usage, $"{source}: bad mount '{spec}': {why}");
}
