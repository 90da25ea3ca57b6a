using System.Text;
using System.Text.Json;
using HpcRun.Image.Sif;
using HpcRun.Image.Text;

namespace HpcRun.Image.Metadata;

/// <summary>
/// What a SIF says about itself outside its file system: hpcrun's own config and build record,
/// and what Apptainer stores (definition file, labels object, environment object, the JSON
/// objects inspect-metadata.json and oci-config.json). The environment scripts inspect-metadata.json copies are
/// not read here: the job evaluates them from the image's /.singularity.d/env.
/// </summary>
public sealed record SifMetadata(ImageConfig Config, BuildRecord? Build, string? DefinitionFile, string? Runscript)
{
    public const string ConfigName = "hpcrun-config.json";
    public const string BuildName = "hpcrun-build.json";
    private const string InspectName = "inspect-metadata.json";
    private const string OciConfigName = "oci-config.json";

    public static SifMetadata Read(Stream stream, SifFile sif)
    {
        string? Text(SifDescriptor? d) => d is null ? null : Encoding.UTF8.GetString(SifFile.ReadObject(stream, d));
        string? Json(string name) => Text(sif.Find(SifDataType.GenericJson, d => d.Name == name));

        ImageConfig config = Parse(Json(ConfigName), ConfigName, ImageConfig.Parse)
            ?? Parse(Json(OciConfigName), OciConfigName, j => OciImageConfig.Parse(j).Config) ?? ImageConfig.Empty;
        var labels = new Dictionary<string, string>(config.Labels);
        string? runscript = null;
        var env = config.Env.ToList();
        if (Parse(Json(InspectName), InspectName, j => JsonDocument.Parse(j)) is { } inspect)
            using (inspect)
            {
                JsonElement attributes =
                    JsonFields.Property(JsonFields.Property(inspect.RootElement, "data"), "attributes");
                foreach (var (k, v) in JsonFields.StringMap(JsonFields.Property(attributes, "labels")))
                    labels.TryAdd(k, v);
                runscript = JsonFields.String(attributes, "runscript");
            }
        if (Parse(Text(sif.Find(SifDataType.Labels)), "labels object", j => JsonDocument.Parse(j)) is { } labelObject)
            using (labelObject)
                foreach (var (k, v) in JsonFields.StringMap(labelObject.RootElement)) labels.TryAdd(k, v);
        if (Text(sif.Find(SifDataType.EnvVar)) is { } envText)
            env.AddRange(envText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.Contains('=')));
        return new SifMetadata(config with { Labels = labels, Env = env },
            BuildRecord.ParseOrNull(Json(BuildName)),
            Text(sif.Find(SifDataType.Deffile)), runscript);
    }

    private static T? Parse<T>(string? json, string what, Func<string, T?> parse) where T : class
    {
        if (json is null) return null;
        try { return parse(json); }
        catch (JsonException e) { throw new ImageFormatException($"SIF object {what}: {JsonError.Describe(e)}"); }
    }
}
