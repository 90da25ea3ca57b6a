using System.Text.Json;
using HpcRun.Image.Metadata;
using static HpcRun.Image.Metadata.JsonFields;

namespace HpcRun.Image.Build;

/// <summary>
/// An OCI image layout (index.json + blobs/): follows nested indexes to the image manifests,
/// picks the one matching the platform and tag, and checks every blob's digest.
/// </summary>
internal static class OciLayout
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    private const string ContainerdNameAnnotation = "io.containerd.image.name";

    public static bool IsLayout(string dir) => File.Exists(Path.Combine(dir, "index.json")) && Directory.Exists(Path.Combine(dir, "blobs"));

    private sealed record Candidate(string Digest, string? Tag, string? Os, string? Architecture);

    public static ResolvedImage Resolve(string dir, ImageSelector selector)
    {
        var blobs = new BlobStore(dir);
        var candidates = new List<Candidate>();
        Collect(blobs, File.ReadAllText(Path.Combine(dir, "index.json")), null, candidates, depth: 0);
        var tagged = candidates.Where(c => selector.Tag is null || TagMatches(c.Tag, selector.Tag)).ToList();
        if (tagged.Count == 0)
            throw new ImageFormatException($"no image tagged '{selector.Tag}' (tags: {string.Join(", ", candidates.Select(c => c.Tag ?? "none").Distinct())})");
        var resolved = tagged.Select(c => Load(blobs, c)).ToList();
        var matching = resolved.Where(r => selector.MatchesPlatform(r.Os, r.Architecture)).ToList();
        return matching.Count switch
        {
            1 => matching[0],
            0 => throw new ImageFormatException($"no image for {selector.Os}/{selector.Architecture} (has: {string.Join(", ", resolved.Select(r => r.Platform).Distinct())}); choose one with --platform"),
            _ => throw new ImageFormatException($"{matching.Count} images match {selector.Os}/{selector.Architecture} (tags: {string.Join(", ", matching.Select(r => r.Tag ?? "none"))}); choose one with --tag"),
        };
    }

    private static bool TagMatches(string? tag, string wanted) =>
        tag is not null && (tag == wanted || tag.EndsWith(":" + wanted, StringComparison.Ordinal));

    private static void Collect(BlobStore blobs, string indexJson, string? tag, List<Candidate> into, int depth)
    {
        if (depth > 4) throw new ImageFormatException("image indexes nested too deep");
        using var index = Parse(indexJson, "index");
        if (Property(index.RootElement, "manifests") is not { ValueKind: JsonValueKind.Array } manifests)
            throw new ImageFormatException("image index has no manifests");
        foreach (JsonElement m in manifests.EnumerateArray())
        {
            string digest = String(m, "digest") ?? throw new ImageFormatException("image index entry without a digest");
            JsonElement annotations = Property(m, "annotations");
            string? name = String(annotations, RefNameAnnotation) ?? String(annotations, ContainerdNameAnnotation) ?? tag;
            string mediaType = String(m, "mediaType") ?? "";
            if (mediaType.Contains("index", StringComparison.Ordinal) || mediaType.Contains("manifest.list", StringComparison.Ordinal))
                Collect(blobs, blobs.ReadJson(digest), name, into, depth + 1);
            else
                into.Add(new Candidate(digest, name, String(Property(m, "platform"), "os"), String(Property(m, "platform"), "architecture")));
        }
    }

    private static ResolvedImage Load(BlobStore blobs, Candidate candidate)
    {
        using var manifest = Parse(blobs.ReadJson(candidate.Digest), $"manifest {candidate.Digest}");
        string configDigest = String(Property(manifest.RootElement, "config"), "digest")
            ?? throw new ImageFormatException($"manifest {candidate.Digest} has no config");
        OciImageConfig config = ParseConfig(blobs.ReadJson(configDigest), configDigest);
        var layerDigests = Property(manifest.RootElement, "layers") is { ValueKind: JsonValueKind.Array } layers
            ? layers.EnumerateArray().Select(l => String(l, "digest") ?? throw new ImageFormatException("layer without a digest")).ToList()
            : throw new ImageFormatException($"manifest {candidate.Digest} has no layers");
        if (config.DiffIds.Count != layerDigests.Count)
            throw new ImageFormatException($"manifest {candidate.Digest} has {layerDigests.Count} layers, its config {config.DiffIds.Count}");
        var blobsList = layerDigests.Select((d, i) => new LayerBlob(blobs.PathOf(d), d, config.DiffIds[i], $"layer {i + 1}/{layerDigests.Count}")).ToList();
        return new ResolvedImage("oci-layout", candidate.Digest, candidate.Tag, candidate.Os ?? config.Os,
            candidate.Architecture ?? config.Architecture, config.Config, config.Created, blobsList);
    }

    internal static OciImageConfig ParseConfig(string json, string what)
    {
        try { return OciImageConfig.Parse(json); }
        catch (JsonException e) { throw new ImageFormatException($"image config {what}: bad JSON ({e.Message})"); }
    }

    internal static JsonDocument Parse(string json, string what)
    {
        try { return JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ImageFormatException($"{what}: bad JSON ({e.Message})"); }
    }
}
