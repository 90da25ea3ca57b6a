using System.Text.Json;
using static HpcRun.Image.Metadata.JsonFields;

namespace HpcRun.Image.Metadata;

/// <summary>The parts of an OCI (or Docker) image config JSON that hpcrun uses: the run config,
/// platform, creation date and the uncompressed layer digests (rootfs.diff_ids).</summary>
public sealed record OciImageConfig(ImageConfig Config, string Os, string Architecture, DateTimeOffset? Created,
    IReadOnlyList<string> DiffIds)
{
    /// <summary>Parses a whole image config ({"config": {...}, ...}) or only its config section.</summary>
    public static OciImageConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        JsonElement c = Property(root, "config") is { ValueKind: JsonValueKind.Object } inner ? inner : root;
        var config = new ImageConfig
        {
            Env = StringList(Property(c, "Env")) ?? [],
            Entrypoint = StringList(Property(c, "Entrypoint")),
            Cmd = StringList(Property(c, "Cmd")),
            WorkingDir = String(c, "WorkingDir") is { Length: > 0 } dir ? dir : null,
            User = String(c, "User") is { Length: > 0 } user ? user : null,
            Labels = StringMap(Property(c, "Labels")).ToDictionary(),
            OnBuild = StringList(Property(c, "OnBuild")) is { Count: > 0 } triggers ? triggers : null,
        };
        DateTimeOffset? created = DateTimeOffset.TryParse(String(root, "created"), out var date) ? date : null;
        return new OciImageConfig(config, String(root, "os") ?? "linux", String(root, "architecture") ?? "",
            created, StringList(Property(Property(root, "rootfs"), "diff_ids")) ?? []);
    }
}
