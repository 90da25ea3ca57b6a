using HpcRun.Image.Text;

namespace HpcRun.Image;

/// <summary>What of an image manifest or index an image is made of, as containerd tells it (images/mediatypes.go:
/// IsLayerType; the attestations BuildKit adds to an index, which Docker skips when it picks a platform).</summary>
public static class OciMediaTypes
{
    /// <summary>Docker's layer types (image manifest v2, schema 2); OCI's all start with
    /// <see cref="OciLayerPrefix"/> (image-spec media-types.md: tar, +gzip, +zstd, and the nondistributable
    /// ones).</summary>
    private static readonly HashSet<string> DockerLayers =
    [
        "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar.zstd", "application/vnd.docker.image.rootfs.foreign.diff.tar",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ];

    private const string OciLayerPrefix = "application/vnd.oci.image.layer.";

    /// <summary>Why layer <paramref name="name"/> ("layer 2/3") of <paramref name="manifest"/> (a digest) cannot be
    /// unpacked, or null when it can: its media type is not a layer's (an artifact's blob, which Docker refuses to
    /// pull as an image). A layer that names no type is taken, as its bytes tell how it is compressed.</summary>
    public static string? LayerRefusal(string? mediaType, string manifest, string name) =>
        mediaType is null || DockerLayers.Contains(mediaType)
        || mediaType.StartsWith(OciLayerPrefix, StringComparison.Ordinal) ? null
            : $"manifest {manifest}: the {name} is of media type {Shown.Excerpt(mediaType)}, not an image layer " +
              "(OCI's application/vnd.oci.image.layer.v1.tar[+gzip|+zstd] or Docker's rootfs.diff.tar.gzip)";

    /// <summary>Whether an index entry is an attestation (SBOM, provenance) rather than an image for a platform:
    /// BuildKit marks its entries with the annotation vnd.docker.reference.type=attestation-manifest and the
    /// platform unknown/unknown.</summary>
    public static bool IsAttestation(string? os, string? architecture, string? referenceType) =>
        referenceType == "attestation-manifest" || (os == "unknown" && architecture == "unknown");

    /// <summary>The annotation that says what an index entry refers to (BuildKit's attestations).</summary>
    public const string ReferenceTypeAnnotation = "vnd.docker.reference.type";
}
