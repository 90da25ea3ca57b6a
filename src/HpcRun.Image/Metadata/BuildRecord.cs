using System.Text.Json;
using System.Text.Json.Serialization;

namespace HpcRun.Image.Metadata;

/// <summary>How hpcrun built an image: stored beside its config so `hpcrun inspect` can tell (a SIF object named
/// hpcrun-build.json; in a bare SquashFS, which has no place outside its file system, the file
/// <see cref="InTreePath"/>, as the config is at <see cref="ImageConfig.InTreePath"/>).
/// <see cref="Created"/> is the source's date (its OCI "created", or SOURCE_DATE_EPOCH), never
/// the build's, so rebuilding the same input gives the same bytes.</summary>
public sealed record BuildRecord
{
    public const string InTreePath = "/.hpcrun/build.json";

    /// <summary>The values of <see cref="FileSystemMaker"/>.</summary>
    public const string Hpcrun = "hpcrun", Mksquashfs = "mksquashfs";

    /// <summary>The record <paramref name="json"/> holds; null for none, or one this version cannot read: the
    /// record only informs, and must not stop the image from running or being inspected.</summary>
    public static BuildRecord? ParseOrNull(string? json)
    {
        try { return json is null ? null : JsonSerializer.Deserialize(json, BuildRecordJson.Default.BuildRecord); }
        catch (JsonException) { return null; }
    }

    /// <summary>directory, docker-archive, oci-layout, registry (hpcrun pull).</summary>
    public required string SourceKind { get; init; }
    /// <summary>The manifest's digest (OCI) or config's (docker save); none for a directory.</summary>
    public string? SourceDigest { get; init; }
    /// <summary>The tag chosen in the source, or for a pull the full reference (docker://HOST/NAME:TAG).</summary>
    public string? SourceTag { get; init; }
    public required string Platform { get; init; }
    public DateTimeOffset? Created { get; init; }
    public required string HpcrunVersion { get; init; }
    /// <summary>The compression arguments, in mksquashfs's words (-comp ... and the user's or site's), whichever
    /// made the file system (<see cref="FileSystemMaker"/>; the name is kept for the readers of the JSON); none in
    /// images built before hpcrun recorded them (mksquashfs's default, gzip level 9).</summary>
    public IReadOnlyList<string>? MksquashfsArgs { get; init; }

    /// <summary>What made the SquashFS file system: <see cref="Hpcrun"/>'s own writer or <see cref="Mksquashfs"/>;
    /// none in images built before hpcrun recorded it, and in a SIF built from an image whose record did not say.
    /// </summary>
    public string? FileSystemMaker { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildRecord))]
public sealed partial class BuildRecordJson : JsonSerializerContext;
