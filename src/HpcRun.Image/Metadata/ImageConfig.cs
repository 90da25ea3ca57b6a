using System.Text.Json.Serialization;

namespace HpcRun.Image.Metadata;

/// <summary>
/// What an image says about how to run it, in the OCI image config's terms: environment
/// ("K=V"), entrypoint and command, working directory, labels. hpcrun stores it as JSON in
/// a SIF object or, in a bare SquashFS or directory image, at <see cref="InTreePath"/>.
/// </summary>
public sealed record ImageConfig
{
    /// <summary>Where a SquashFS or directory image built by hpcrun carries its config.</summary>
    public const string InTreePath = "/.hpcrun/config.json";

    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    public string? WorkingDir { get; init; }
    /// <summary>The user a recipe named (Dockerfile USER): recorded; hpcrun runs jobs as their caller.</summary>
    public string? User { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>Dockerfile ONBUILD triggers, as Docker records them in the config ("OnBuild": each instruction's text
    /// after ONBUILD, unexpanded): a build FROM this image runs them right after its FROM. Null: none.</summary>
    public IReadOnlyList<string>? OnBuild { get; init; }

    public static readonly ImageConfig Empty = new();

    /// <summary>Reads the JSON form; throws
    /// <see cref="System.Text.Json.JsonException"/> when it is malformed.</summary>
    public static ImageConfig Parse(string json)
    {
        ImageConfig? config = System.Text.Json.JsonSerializer.Deserialize(json, ImageConfigJson.Default.ImageConfig);
        // The source generator sets init-only members that the JSON lacks to null, whatever their initializer.
        return config is null ? Empty
            : config with { Env = config.Env ?? [], Labels = config.Labels ?? new Dictionary<string, string>() };
    }

    /// <summary>The command the image runs when none is given: entrypoint followed by cmd.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> DefaultCommand => [.. Entrypoint ?? [], .. Cmd ?? []];

    /// <summary>Env as pairs, in order; entries without '=' are ignored.</summary>
    public IEnumerable<KeyValuePair<string, string>> EnvPairs() =>
        Env.Select(e => e.Split('=', 2)).Where(p => p.Length == 2 && p[0].Length > 0)
           .Select(p => KeyValuePair.Create(p[0], p[1]));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
public sealed partial class ImageConfigJson : JsonSerializerContext;
