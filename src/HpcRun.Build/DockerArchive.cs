using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using static System.StringComparison;
using static HpcRun.Image.Metadata.JsonFields;

namespace HpcRun.Build;

/// <summary>
/// An unpacked `docker save` archive: manifest.json lists each image's config file, tags and
/// layer tars. Layers are checked against the config's rootfs.diff_ids, and the config
/// against its content-addressed file name.
/// </summary>
internal static class DockerArchive
{
    public static bool IsArchive(SourceTree tree) => tree.Exists("manifest.json");

    public static ResolvedImage Resolve(SourceTree tree, ImageSelector selector)
    {
        using var manifest = OciLayout.Parse(Encoding.UTF8.GetString(tree.ReadSmall("manifest.json")), "manifest.json");
        if (manifest.RootElement.ValueKind != JsonValueKind.Array || manifest.RootElement.GetArrayLength() == 0)
            throw new ImageFormatException("manifest.json lists no image");
        var images = manifest.RootElement.EnumerateArray().ToList();
        var chosen = images
            .Where(i => selector.Tag is not { } wanted || Tags(i).Any(t => OciLayout.TagMatches(t, wanted))).ToList();
        if (chosen.Count != 1)
        {
            string tags = string.Join(", ", images.SelectMany(i => Tags(i) is { Count: > 0 } t ? t : ["untagged"]));
            throw new ImageFormatException(chosen.Count == 0 ? $"no image tagged '{selector.Tag}' (tags: {tags})"
                : $"the archive holds {chosen.Count} images ({tags}); {ArchiveReference.ChooseOne}");
        }
        JsonElement image = chosen[0];
        string configFile = String(image, "Config") ?? throw Missing("Config");
        byte[] configBytes = tree.ReadSmall(configFile);
        string configDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(configBytes));
        if (Path.GetFileNameWithoutExtension(configFile) is { Length: 64 } hex && !configDigest.EndsWith(hex, Ordinal))
            throw new ImageFormatException($"config {configFile} does not match its digest (it is {configDigest})");
        OciImageConfig config = OciLayout.ParseConfig(Encoding.UTF8.GetString(configBytes), configFile);
        var files = StringList(Property(image, "Layers")) ?? throw Missing("Layers");
        if (files.Count != config.DiffIds.Count)
            throw new ImageFormatException(
                $"manifest.json lists {files.Count} layers, its config {config.DiffIds.Count}");
        var layers = files.Select((f, i) => tree.Layer(f, null, config.DiffIds[i], $"layer {i + 1}/{files.Count}"))
            .ToList();
        if (selector.PlatformGiven && !selector.MatchesPlatform(config.Os, config.Architecture))
            throw new ImageFormatException($"the image is {config.Os}/{config.Architecture}, not {selector.Platform}");
        return new ResolvedImage("docker-archive", configDigest, Tags(image).FirstOrDefault(), config.Os,
            config.Architecture, config.Config, config.Created, layers);
    }

    private static ImageFormatException Missing(string field) => new($"manifest.json entry without {field}");

    private static List<string> Tags(JsonElement image) => StringList(Property(image, "RepoTags")) ?? [];
}
