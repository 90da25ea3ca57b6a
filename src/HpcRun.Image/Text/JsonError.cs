using System.Text.Json;

namespace HpcRun.Image.Text;

/// <summary>A JSON document that does not parse (or holds a value of the wrong kind), said by where: System.Text.Json's
/// own text ("'x' is an invalid start of a value.", "The JSON value could not be converted to System.String.")
/// names .NET types and is not for users; the line and the JSON path it failed at are what one needs to find it.
/// </summary>
public static class JsonError
{
    /// <summary>"bad JSON at line 3 ($.config.Env[0])"; less where <paramref name="e"/> does not say where.</summary>
    public static string Describe(JsonException e)
    {
        string at = e.LineNumber is { } line ? $" at line {line + 1}" : "";
        string path = e.Path is { Length: > 1 } p ? $" ({Shown.Path(p)})" : ""; // "$" alone: the document itself
        return $"bad JSON{at}{path}";
    }
}
