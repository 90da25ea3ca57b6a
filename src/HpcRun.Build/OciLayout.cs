using System.Text.Json;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using static System.StringComparison;
using static HpcRun.Image.Metadata.JsonFields;

namespace HpcRun.Build;

/// <summary>
/// An OCI image layout (index.json + blobs/): follows nested indexes to the image manifests,
/// picks the one matching the platform and tag, and checks every blob's digest.
/// </summary>
internal static class OciLayout
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    private const string ContainerdNameAnnotation = "io.containerd.image.name";

    /// <summary>Whether <paramref name="tree"/> is meant as a layout (what index.json then is, reading it
    /// tells).</summary>
    public static bool IsLayout(SourceTree tree) =>
        tree.Exists("index.json") && (tree.HasDirectory("blobs") || tree.Exists("oci-layout"));

    private sealed record Candidate(string Digest, long? Size, string? Tag, string? Os, string? Architecture);

    /// <summary>The image <paramref name="selector"/> picks; its layers read through <paramref name="arriving"/>
    /// when given (<see cref="BuildRequest.ArrivingLayer"/>).</summary>
    public static ResolvedImage Resolve(SourceTree tree, ImageSelector selector,
        Func<string, Stream>? arriving = null)
    {
        var blobs = new BlobStore(tree, arriving);
        var candidates = new List<Candidate>();
        Collect(blobs, System.Text.Encoding.UTF8.GetString(tree.ReadSmall("index.json")), null, candidates, depth: 0);
        var tagged = candidates.Where(c => selector.Tag is null || TagMatches(c.Tag, selector.Tag)).ToList();
        if (tagged.Count == 0)
        {
            string tags = List(candidates.Select(c => c.Tag ?? "none"));
            throw new ImageFormatException($"no image tagged '{selector.Tag}' (tags: {tags})");
        }
        var resolved = tagged.Select(c => Load(blobs, c)).ToList();
        var matching = resolved.Where(r => selector.MatchesPlatform(r.Os, r.Architecture)).ToList();
        return matching.Count switch
        {
            1 => matching[0],
            0 => throw new ImageFormatException($"no image for {selector.Platform} " +
                $"(has: {List(resolved.Select(r => r.Platform))}); choose one with --platform"),
            _ => throw new ImageFormatException($"{matching.Count} images match {selector.Platform} " +
                $"(tags: {List(matching.Select(r => r.Tag ?? "none"))}); {ArchiveReference.ChooseOne}"),
        };
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Distinct());

    /// <summary>Whether <paramref name="tag"/> is <paramref name="wanted"/>, whole, after its repository's name, or as
    /// the same reference once both are normalized as Docker names them (an archive of skopeo or podman records
    /// docker.io/library/app:1 where the user writes app:1, and the other way round).</summary>
    internal static bool TagMatches(string? tag, string wanted) =>
        tag is not null && (tag == wanted || tag.EndsWith(":" + wanted, Ordinal) || SameReference(tag, wanted));

    private static bool SameReference(string tag, string wanted)
    {
        if (!wanted.Contains(':') && !wanted.Contains('/')) return false; // a bare tag, not a name
        try { return ImageReference.Parse(tag).ToString() == ImageReference.Parse(wanted).ToString(); }
        catch (FormatException) { return false; }
    }

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
            string? name = String(annotations, RefNameAnnotation) ?? String(annotations, ContainerdNameAnnotation)
                ?? tag;
            string mediaType = String(m, "mediaType") ?? "";
            string? os = String(Property(m, "platform"), "os");
            string? architecture = String(Property(m, "platform"), "architecture");
            if (mediaType.Contains("index", Ordinal) || mediaType.Contains("manifest.list", Ordinal))
                Collect(blobs, blobs.ReadJson(digest, Long(m, "size")), name, into, depth + 1);
            else if (!OciMediaTypes.IsAttestation(os, architecture,
                         String(annotations, OciMediaTypes.ReferenceTypeAnnotation)))
                into.Add(new Candidate(digest, Long(m, "size"), name, os, architecture));
        }
    }

    private static ResolvedImage Load(BlobStore blobs, Candidate candidate)
    {
        using var manifest = Parse(blobs.ReadJson(candidate.Digest, candidate.Size), $"manifest {candidate.Digest}");
        JsonElement configDescriptor = Property(manifest.RootElement, "config");
        string configDigest = String(configDescriptor, "digest")
            ?? throw new ImageFormatException($"manifest {candidate.Digest} has no config");
        OciImageConfig config = ParseConfig(blobs.ReadJson(configDigest, Long(configDescriptor, "size")), configDigest);
        if (Property(manifest.RootElement, "layers") is not { ValueKind: JsonValueKind.Array } array)
            throw new ImageFormatException($"manifest {candidate.Digest} has no layers");
        var layers = array.EnumerateArray()
            .Select(l => (Digest: String(l, "digest") ?? throw new ImageFormatException("layer without a digest"),
                Size: Long(l, "size"), MediaType: String(l, "mediaType")))
            .ToList();
        for (int i = 0; i < layers.Count; i++)
            if (OciMediaTypes.LayerRefusal(layers[i].MediaType, candidate.Digest, $"layer {i + 1}/{layers.Count}")
                is { } refusal)
                throw new ImageFormatException(refusal);
        if (config.DiffIds.Count != layers.Count)
            throw new ImageFormatException(
                $"manifest {candidate.Digest} has {layers.Count} layers, its config {config.DiffIds.Count}");
        var blobsList = layers
            .Select((l, i) => blobs.Layer(l.Digest, l.Size, config.DiffIds[i], $"layer {i + 1}/{layers.Count}"))
            .ToList();
        return new ResolvedImage("oci-layout", candidate.Digest, candidate.Tag, candidate.Os ?? config.Os,
            candidate.Architecture ?? config.Architecture, config.Config, config.Created, blobsList);
    }

    internal static OciImageConfig ParseConfig(string json, string what)
    {
        try { return OciImageConfig.Parse(json); }
        catch (JsonException e) { throw BadJson($"image config {what}", e); }
    }

    internal static JsonDocument Parse(string json, string what)
    {
        try { return JsonDocument.Parse(json); }
        catch (JsonException e) { throw BadJson(what, e); }
    }

    /// <summary>Where the JSON of <paramref name="what"/> goes wrong, in hpcrun's words (not the parser's).</summary>
    internal static ImageFormatException BadJson(string what, JsonException e) =>
        new($"{Shown.Path(what)}: bad JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}");
}
