using System.Text.Json;
using HpcRun.Build;
using HpcRun.Image;
using HpcRun.Image.Registry;

namespace HpcRun.Registry;

/// <summary>The image manifest a reference stands for on one platform: <see cref="AnsweredDigest"/> is what the
/// reference itself resolved to (an index's digest for a multi-platform image), <see cref="Digest"/> and
/// <see cref="Bytes"/> the chosen image manifest's; <see cref="Platform"/> the index entry's (OS/ARCH), null for
/// a reference that named one image manifest (its config says which platform it is for).</summary>
internal sealed record ResolvedManifest(string AnsweredDigest, string Digest, string MediaType, byte[] Bytes,
    string? Platform)
{
    public ManifestDocument Document { get; } = ManifestResolver.ParseManifest(Bytes, Digest);
}

/// <summary>
/// Resolves a reference to one image manifest: gets what the tag or digest names, and from an index (OCI image
/// index, Docker manifest list) takes the entry for the platform asked for (os, architecture, and the variant when
/// one is asked for, as Docker does), or fails listing the platforms offered.
/// </summary>
internal static class ManifestResolver
{
    /// <summary>One manifest request (a HEAD) when <paramref name="known"/> (a cache's earlier answer for this
    /// reference and platform) still holds: the reference answers with the same digest. Returns null then (nothing
    /// changed); otherwise gets what the reference names, and an index's entry for the platform.</summary>
    public static async Task<ResolvedManifest?> Resolve(RegistryClient client, ImageReference reference,
        ImageSelector selector, string? variant, CachedReference? known, CancellationToken cancel)
    {
        if (known is not null && await client.ManifestDigest(reference.ManifestKey, cancel).ConfigureAwait(false)
            == known.AnsweredDigest)
            return null;
        (byte[] bytes, string type, string digest) = await client.GetManifest(reference.ManifestKey, cancel)
            .ConfigureAwait(false);
        if (known is not null && known.AnsweredDigest == digest) return null; // a registry that names no digest
        ManifestDocument top = ParseManifest(bytes, digest);
        if (!IsIndex(top.MediaType ?? type, top))
            return new ResolvedManifest(digest, digest, top.MediaType ?? type, bytes, null);
        List<Descriptor> entries = [.. IndexEntries(top, digest).Where(e => !OciMediaTypes.IsAttestation(
            e.Platform?.Os, e.Platform?.Architecture,
            e.Annotations?.GetValueOrDefault(OciMediaTypes.ReferenceTypeAnnotation)))];
        Descriptor? chosen = entries.FirstOrDefault(e => e.Platform is { Os: { } os, Architecture: { } architecture } p
            && selector.MatchesPlatform(os, architecture, p.Variant));
        if (chosen?.Digest is null)
        {
            string offered = string.Join(", ", entries.Where(e => e.Platform is not null)
                .Select(e => $"{e.Platform!.Os}/{e.Platform.Architecture}" +
                    (e.Platform.Variant is { } v ? "/" + v : "")).Distinct());
            throw new RegistryException(RegistryFault.NoPlatform,
                $"{reference} has no image for {selector.Platform}{(variant is null ? "" : "/" + variant)} " +
                $"(it has: {(offered.Length > 0 ? offered : "none")}); choose one with --platform");
        }
        (byte[] manifest, string manifestType, string manifestDigest) = await client.GetManifest(chosen.Digest, cancel)
            .ConfigureAwait(false);
        ManifestDocument document = ParseManifest(manifest, manifestDigest);
        if (IsIndex(document.MediaType ?? manifestType, document))
            throw new RegistryException(RegistryFault.BadContent,
                $"{reference}: nested image indexes are not supported");
        return new ResolvedManifest(digest, manifestDigest, document.MediaType ?? chosen.MediaType ?? manifestType,
            manifest, selector.Platform);
    }

    /// <summary>The entries of <paramref name="index"/> (the document <paramref name="digest"/>, an index by its media
    /// type or shape). Throws <see cref="RegistryException"/> (<see cref="RegistryFault.BadContent"/>) for a document
    /// whose media type lies: one without `manifests`, which the OCI image spec requires of an index
    /// (image-index.md), or with an image manifest's config or layers; else a registry's manifest labelled an index
    /// was read as an index of no platforms ("has no image for linux/amd64 (it has: none)", 106).</summary>
    internal static List<Descriptor> IndexEntries(ManifestDocument index, string digest) =>
        index.Manifests is { } entries && index.Config is null && index.Layers is null ? entries
            : throw new RegistryException(RegistryFault.BadContent, $"manifest {digest} says it is an image index, " +
                (index.Manifests is null ? "but lists no manifests" : "but has an image manifest's config or layers"));

    private static bool IsIndex(string mediaType, ManifestDocument document) =>
        mediaType.Contains("index", StringComparison.Ordinal)
        || mediaType.Contains("manifest.list", StringComparison.Ordinal)
        || (document.Manifests is not null && document.Layers is null);

    internal static ManifestDocument ParseManifest(byte[] bytes, string digest)
    {
        ManifestDocument? document;
        try { document = JsonSerializer.Deserialize(bytes, RegistryJson.Default.ManifestDocument); }
        catch (JsonException) { document = null; }
        if (document is null || document.SchemaVersion != 2)
            throw new RegistryException(RegistryFault.BadContent, document is { SchemaVersion: 1 }
                ? $"manifest {digest} is Docker's schema 1, which registries stopped serving: push the image again"
                : $"manifest {digest} is not an image manifest or index (bad JSON)");
        return document;
    }
}
