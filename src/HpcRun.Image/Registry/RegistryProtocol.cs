namespace HpcRun.Image.Registry;

/// <summary>What both of hpcrun's registry clients (hpcrun-tools' pull, the launcher's tag check) send alike, so
/// that a registry answers both with the same manifest, hence the same digest.</summary>
public static class RegistryProtocol
{
    /// <summary>The manifest media types accepted (Accept), OCI's and Docker's, images and indexes.</summary>
    public static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ];

    /// <summary>The largest manifest read, in bytes: the size distribution-spec says registries should accept
    /// ("Pushing Manifests").</summary>
    public const int MaxManifest = 4 << 20;

    /// <summary>HPCRUN_REGISTRY_TIMEOUT's default, in seconds.</summary>
    public const int DefaultTimeoutSeconds = 60;
}
