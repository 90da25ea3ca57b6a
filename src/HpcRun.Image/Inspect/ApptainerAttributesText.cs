using System.Text;

namespace HpcRun.Image.Inspect;

/// <summary>`apptainer inspect`'s text for its attribute flags: definition file, runscript, help, startscript, each
/// environment script under "=== PATH ===", then labels as "KEY: VALUE", in that order.</summary>
public static class ApptainerAttributesText
{
    public static string Render(ApptainerAttributes attributes)
    {
        var text = new StringBuilder();
        foreach (string? section in new[] { attributes.Deffile, attributes.Runscript, attributes.Helpfile,
                     attributes.Startscript })
            if (section is { Length: > 0 }) text.Append(section.TrimEnd('\n')).Append('\n');
        foreach (var (path, script) in attributes.Environment ?? new Dictionary<string, string>())
            text.Append($"=== {path} ===\n{script.TrimEnd('\n')}\n\n");
        foreach (var (key, value) in (attributes.Labels ?? new Dictionary<string, string>())
            .OrderBy(l => l.Key, StringComparer.Ordinal))
            text.Append($"{key}: {value}\n");
        return text.ToString();
    }
}
