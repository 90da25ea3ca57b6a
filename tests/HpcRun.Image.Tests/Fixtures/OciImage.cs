using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>An image as registries and `docker save` ship it: layer blobs plus a config naming their
/// uncompressed digests. Writes OCI layouts and docker save archives, as directories or tars.</summary>
public sealed class OciImage(string architecture = "amd64", string? tag = "latest")
{
    private readonly List<(byte[] Stored, byte[] Plain, string DiffId)> layers = [];
    public JsonObject RunConfig { get; } = new()
    {
        ["Env"] = new JsonArray("PATH=/bin", "GREETING=hello"),
        ["Cmd"] = new JsonArray("/bin/sh"),
    };
    public string Architecture => architecture;
    public string? Tag => tag;

    public OciImage Layer(LayerTar tar, Compression compression = Compression.Gzip)
    {
        byte[] plain = tar.Bytes();
        layers.Add((tar.Bytes(compression), plain, Digest(plain)));
        return this;
    }

    /// <summary>A layer from a tar made elsewhere (GNU tar, <see cref="RawTar"/>), stored uncompressed.</summary>
    public OciImage Layer(byte[] tar)
    {
        layers.Add((tar, tar, Digest(tar)));
        return this;
    }

    public byte[] ConfigJson() => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["architecture"] = architecture,
        ["os"] = "linux",
        ["created"] = "2024-05-01T12:00:00Z",
        ["config"] = JsonNode.Parse(RunConfig.ToJsonString()),
        ["rootfs"] = new JsonObject
        {
            ["type"] = "layers",
            ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)l.DiffId)]),
        },
    }.ToJsonString());

    /// <summary>Writes the blobs into an OCI layout at <paramref name="dir"/> and returns the manifest's index
    /// entry.</summary>
    public JsonObject WriteBlobs(string dir)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor(dir, ConfigJson(), "application/vnd.oci.image.config.v1+json"),
            ["layers"] = new JsonArray([.. layers.Select(l =>
                (JsonNode)Descriptor(dir, l.Stored, "application/vnd.oci.image.layer.v1.tar+gzip"))]),
        };
        JsonObject entry = Descriptor(dir, Encoding.UTF8.GetBytes(manifest.ToJsonString()),
            "application/vnd.oci.image.manifest.v1+json");
        entry["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = architecture };
        if (tag is not null) entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        return entry;
    }

    public static string WriteLayout(string dir, params OciImage[] images)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray([.. images.Select(i => (JsonNode)i.WriteBlobs(dir))]),
        };
        File.WriteAllText(Path.Combine(dir, "index.json"), index.ToJsonString());
        return dir;
    }

    /// <summary>The classic `docker save` layout: manifest.json, CONFIG.json, ID/layer.tar (uncompressed).</summary>
    public static string WriteDockerArchive(string dir, params OciImage[] images)
    {
        Directory.CreateDirectory(dir);
        var manifest = new JsonArray();
        foreach (OciImage image in images)
        {
            byte[] config = image.ConfigJson();
            string configName = Digest(config)["sha256:".Length..] + ".json";
            File.WriteAllBytes(Path.Combine(dir, configName), config);
            var layerNames = new JsonArray();
            foreach (var (_, plain, diffId) in image.layers)
            {
                string name = $"{diffId["sha256:".Length..]}/layer.tar";
                Directory.CreateDirectory(Path.Combine(dir, Path.GetDirectoryName(name)!));
                File.WriteAllBytes(Path.Combine(dir, name), plain);
                layerNames.Add((JsonNode)name);
            }
            manifest.Add((JsonNode)new JsonObject
            {
                ["Config"] = configName,
                ["RepoTags"] = new JsonArray($"example/{image.Architecture}:{image.Tag}"),
                ["Layers"] = layerNames,
            });
        }
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString());
        return dir;
    }

    /// <summary>Packs a directory into a tar, as `docker save -o` or `tar -C dir -cf` would.</summary>
    public static string Tar(string dir, string tarPath)
    {
        TarFile.CreateFromDirectory(dir, tarPath, includeBaseDirectory: false);
        return tarPath;
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static JsonObject Descriptor(string dir, byte[] blob, string mediaType)
    {
        string digest = Digest(blob);
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        File.WriteAllBytes(Path.Combine(dir, "blobs", "sha256", digest["sha256:".Length..]), blob);
        return new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = blob.Length };
    }
}
