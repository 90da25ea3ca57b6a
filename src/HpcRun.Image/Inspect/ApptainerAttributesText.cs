using System.Text;

namespace HpcRun.Image.Inspect;

/// <summary>`apptainer inspect`'s text for its attribute flags, in its order: definition file, runscript, startscript,
/// test, help, each environment script under "=== PATH ===", then labels as "KEY: VALUE" (the maps in the order the
/// JSON has them: by key).</summary>
public static class ApptainerAttributesText
{
    public static string Render(ApptainerAttributes attributes)
    {
        var text = new StringBuilder();
        foreach (string? section in new[] { attributes.Deffile, attributes.Runscript, attributes.Startscript,
                     attributes.Test, attributes.Helpfile })
            if (section is { Length: > 0 }) text.Append(section.TrimEnd('\n')).Append('\n');
        foreach (var (path, script) in attributes.Environment ?? new Dictionary<string, string>())
            text.Append($"=== {path} ===\n{script.TrimEnd('\n')}\n\n");
        foreach (var (key, value) in attributes.Labels ?? new Dictionary<string, string>())
            text.Append($"{key}: {value}\n");
        return text.ToString();
    }
}
