using System.Text.Json;

namespace HpcRun.Image.Metadata;

/// <summary>Tolerant reads from JSON written by other tools: a missing or mistyped field is absent, not an
/// error.</summary>
public static class JsonFields
{
    public static JsonElement Property(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) ? v : default;

    public static List<string>? StringList(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array
            ? [.. e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : null;

    public static IEnumerable<KeyValuePair<string, string>> StringMap(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object
            ? e.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String)
                .Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!))
            : [];

    /// <summary>A whole number (an OCI descriptor's size), or null.</summary>
    public static long? Long(JsonElement e, string name) =>
        Property(e, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out long n) ? n : null;

    public static string? String(JsonElement e, string name) =>
        Property(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
}
