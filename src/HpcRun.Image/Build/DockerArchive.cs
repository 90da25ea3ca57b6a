using System.Text.Json;
using HpcRun.Image.Metadata;
using static HpcRun.Image.Metadata.JsonFields;

namespace HpcRun.Image.Build;

/// <summary>
/// An unpacked `docker save` archive: manifest.json lists each image's config file, tags and
/// layer tars. Layers are checked against the config's rootfs.diff_ids, and the config
/// against its content-addressed file name.
/// </summary>
internal static class DockerArchive
{
    public static bool IsArchive(string dir) => File.Exists(Path.Combine(dir, "manifest.json"));

    public static ResolvedImage Resolve(string dir, ImageSelector selector)
    {
        using var manifest = OciLayout.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")), "manifest.json");
        if (manifest.RootElement.ValueKind != JsonValueKind.Array || manifest.RootElement.GetArrayLength() == 0)
            throw new ImageFormatException("manifest.json lists no image");
        var images = manifest.RootElement.EnumerateArray().ToList();
        var chosen = images.Where(i => selector.Tag is null || (StringList(Property(i, "RepoTags")) ?? []).Any(t => t == selector.Tag || t.EndsWith(":" + selector.Tag, StringComparison.Ordinal))).ToList();
        if (chosen.Count != 1)
        {
            string tags = string.Join(", ", images.SelectMany(i => StringList(Property(i, "RepoTags")) ?? ["untagged"]));
            throw new ImageFormatException(chosen.Count == 0 ? $"no image tagged '{selector.Tag}' (tags: {tags})" : $"the archive holds {chosen.Count} images ({tags}); choose one with --tag");
        }
        JsonElement image = chosen[0];
        string configFile = String(image, "Config") ?? throw new ImageFormatException("manifest.json entry without Config");
        string configText = ReadMember(dir, configFile);
        string configDigest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configText)));
        if (Path.GetFileNameWithoutExtension(configFile) is { Length: 64 } named && !configDigest.EndsWith(named, StringComparison.Ordinal))
            throw new ImageFormatException($"config {configFile} does not match its digest (it is {configDigest})");
        OciImageConfig config = OciLayout.ParseConfig(configText, configFile);
        var layerFiles = StringList(Property(image, "Layers")) ?? throw new ImageFormatException("manifest.json entry without Layers");
        if (layerFiles.Count != config.DiffIds.Count)
            throw new ImageFormatException($"manifest.json lists {layerFiles.Count} layers, the config {config.DiffIds.Count}");
        var layers = layerFiles.Select((f, i) => new LayerBlob(MemberPath(dir, f), null, config.DiffIds[i], $"layer {i + 1}/{layerFiles.Count}")).ToList();
        if (selector.PlatformGiven && !selector.MatchesPlatform(config.Os, config.Architecture))
            throw new ImageFormatException($"the image is {config.Os}/{config.Architecture}, not {selector.Os}/{selector.Architecture}");
        string? tag = (StringList(Property(image, "RepoTags")) ?? []).FirstOrDefault();
        return new ResolvedImage("docker-archive", configDigest, tag, config.Os, config.Architecture, config.Config, config.Created, layers);
    }

    private static string ReadMember(string dir, string name) => File.ReadAllText(MemberPath(dir, name));

    private static string MemberPath(string dir, string name)
    {
        string path = new ConfinedRoot(dir).Resolve(name, followLast: true);
        if (!FileOps.IsRegularFile(path)) throw new ImageFormatException($"{name} is missing from the archive");
        return path;
    }
}
