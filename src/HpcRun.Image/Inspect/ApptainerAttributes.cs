using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using HpcRun.Image.Text;

namespace HpcRun.Image.Inspect;

/// <summary>
/// What `apptainer inspect --labels/--deffile/--runscript/--test/--environment/--helpfile/--startscript` shows, read
/// from an image's /.singularity.d (labels.json, Singularity, runscript, test, env/10-docker*.sh and
/// env/9*-environment.sh, runscript.help, startscript) and, in a SIF, first from Apptainer's inspect-metadata.json
/// and definition-file objects.
/// Null: not asked for, or the image has none. Source: Apptainer's cmd/internal/cli/inspect.go. The members are in the
/// order of Apptainer's JSON (its pkg/inspect Attributes struct), and the maps are sorted by key, as Go's
/// encoding/json writes a map and as the text lists it (<see cref="ApptainerAttributesText"/>).
/// </summary>
public sealed record ApptainerAttributes
{
    /// <summary>Environment scripts by their path in the image.</summary>
    [JsonPropertyName("environment")] public IReadOnlyDictionary<string, string>? Environment { get; init; }
    [JsonPropertyName("labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("runscript")] public string? Runscript { get; init; }
    /// <summary>The test script, /.singularity.d/test (a definition file's %test).</summary>
    [JsonPropertyName("test")] public string? Test { get; init; }
    [JsonPropertyName("helpfile")] public string? Helpfile { get; init; }
    [JsonPropertyName("deffile")] public string? Deffile { get; init; }
    [JsonPropertyName("startscript")] public string? Startscript { get; init; }

    /// <summary>These attributes as JSON holds them: the texts carry the image's bytes as they are, for the text
    /// form to print; a byte that is not UTF-8 becomes U+FFFD here, as Go's encoding/json writes it.</summary>
    public ApptainerAttributes ForJson() => this with
    {
        Environment = Environment?.ToDictionary(e => e.Key, e => RawText.Lossy(e.Value)),
        Runscript = Lossy(Runscript),
        Test = Lossy(Test),
        Helpfile = Lossy(Helpfile),
        Deffile = Lossy(Deffile),
        Startscript = Lossy(Startscript),
    };

    private static string? Lossy(string? text) => text is null ? null : RawText.Lossy(text);
}

/// <summary>Which of <see cref="ApptainerAttributes"/> to read.</summary>
[Flags]
public enum AttributeKinds
{
    None = 0,
    Labels = 1,
    Deffile = 2,
    Runscript = 4,
    Helpfile = 8,
    Environment = 16,
    Startscript = 32,
    Test = 64,
}

/// <summary>`apptainer inspect --json`'s document: {"data": {"attributes": {...}}, "type": "container"}.</summary>
public sealed record ApptainerInspection(
    [property: JsonPropertyName("data")] ApptainerInspectionData Data,
    [property: JsonPropertyName("type")] string Type = "container");

public sealed record ApptainerInspectionData([property: JsonPropertyName("attributes")] ApptainerAttributes Attributes);

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApptainerInspection))]
public sealed partial class ApptainerInspectionJson : JsonSerializerContext
{
    /// <summary>Text escaped as Apptainer's (Go's encoding/json) is: quotes as \", non-ASCII letters as they are,
    /// not \u0022 and \u00E9.</summary>
    public static ApptainerInspectionJson AsApptainer { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
