using System.Text;

namespace HpcRun.Registry.Tests;

/// <summary>A registry's manifest whose media type says "index" while it is an image manifest was read as an index
/// of no platforms: "has no image for linux/amd64 (it has: none); choose one with --platform" (106), which sends the
/// user after a platform. A document whose media type lies is a bad answer (107), as any malformed manifest.
/// </summary>
public sealed class ManifestResolverTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    // JSON with ' for ", so that a document fits an attribute's line.
    private const string Index = "'mediaType': 'application/vnd.oci.image.index.v1+json'";
    private const string Entry = "{'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'size': 2, 'digest': '" +
        Digest + "', 'platform': {'os': 'linux', 'architecture': 'amd64'}}";
    private const string Layer = "{'mediaType': 'application/vnd.oci.image.layer.v1.tar', 'size': 2, 'digest': '" +
        Digest + "'}";

    private static ManifestDocument Parse(string json) =>
        ManifestResolver.ParseManifest(Encoding.UTF8.GetBytes(json.Replace('\'', '"')), Digest);

    [Theory]
    [InlineData("{'schemaVersion': 2, " + Index + ", 'config': " + Layer + ", 'layers': [" + Layer + "]}",
        "lists no manifests")] // an image manifest, labelled an index
    [InlineData("{'schemaVersion': 2, " + Index + "}", "lists no manifests")]
    [InlineData("{'schemaVersion': 2, " + Index + ", 'manifests': [" + Entry + "], 'layers': [" + Layer + "]}",
        "has an image manifest's config or layers")]
    [InlineData("{'schemaVersion': 2, " + Index + ", 'manifests': [], 'config': " + Layer + "}",
        "has an image manifest's config or layers")]
    public void An_index_by_its_media_type_that_is_no_index_is_a_bad_answer(string json, string why)
    {
        var fault = Assert.Throws<RegistryException>(() => ManifestResolver.IndexEntries(Parse(json), Digest));
        Assert.Equal((RegistryFault.BadContent, $"manifest {Digest} says it is an image index, but {why}"),
            (fault.Fault, fault.Message));
    }

    [Theory]
    [InlineData("{'schemaVersion': 2, " + Index + ", 'manifests': [" + Entry + "]}", 1)]
    [InlineData("{'schemaVersion': 2, 'manifests': []}", 0)] // no platforms: 106, listing none
    public void An_index_gives_its_entries(string json, int count) =>
        Assert.Equal(count, ManifestResolver.IndexEntries(Parse(json), Digest).Count);
}
