using System.Text.Json.Serialization;

namespace HpcRun.Registry;

/// <summary>An image manifest or index (OCI image spec "manifest.md", "image-index.md"; Docker's schema 2 manifest
/// and manifest list have the same fields): what a pull reads of it.</summary>
internal sealed class ManifestDocument
{
    public int SchemaVersion { get; init; }
    public string? MediaType { get; init; }
    public Descriptor? Config { get; init; }
    public List<Descriptor>? Layers { get; init; }
    /// <summary>An index's entries, one per platform.</summary>
    public List<Descriptor>? Manifests { get; init; }
}

/// <summary>An OCI content descriptor (OCI image spec "descriptor.md").</summary>
internal sealed class Descriptor
{
    public string? MediaType { get; init; }
    public string? Digest { get; init; }
    public long Size { get; init; }
    public PlatformField? Platform { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
}

internal sealed class PlatformField
{
    public string? Os { get; init; }
    public string? Architecture { get; init; }
    public string? Variant { get; init; }
}

/// <summary>The token endpoint's answer (Docker's "Token Authentication Specification"): `token`, or OAuth's
/// `access_token`.</summary>
internal sealed class TokenAnswer
{
    public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
}

/// <summary>~/.docker/config.json as `docker login` writes it: auths, by registry, each base64("USER:PASSWORD") or
/// the two fields.</summary>
internal sealed class DockerConfigFile
{
    public Dictionary<string, DockerAuth>? Auths { get; init; }
}

internal sealed class DockerAuth
{
    public string? Auth { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
}

/// <summary>An OCI layout's index.json as a pull writes it: one manifest (OCI image spec
/// "image-layout.md").</summary>
internal sealed class LayoutIndex
{
    public int SchemaVersion { get; init; } = 2;
    public required List<Descriptor> Manifests { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(TokenAnswer))]
[JsonSerializable(typeof(DockerConfigFile))]
[JsonSerializable(typeof(LayoutIndex))]
internal sealed partial class RegistryJson : JsonSerializerContext;
