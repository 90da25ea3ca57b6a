using System.Text.Json;
using System.Text.Json.Serialization;
using HpcRun.Image.Metadata;
using HpcRun.Image.Text;

namespace HpcRun.Image.Inspect;

/// <summary>What `hpcrun inspect` tells about an image, in the order its JSON and its text
/// (<see cref="ImageInfoText"/>) both give it.</summary>
public sealed record ImageInfo
{
    public required string Path { get; init; }
    public required string Format { get; init; }
    public string? Architecture { get; init; }
    public string? Id { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? Modified { get; init; }
    public long? Size { get; init; }
    public SquashFsInfo? FileSystem { get; init; }
    public IReadOnlyList<ObjectInfo> Objects { get; init; } = [];
    public required ImageConfig Config { get; init; }
    public string? Runscript { get; init; }
    public string? DefinitionFile { get; init; }
    public BuildRecord? Build { get; init; }

    /// <summary>The members of `apptainer inspect --json`'s default document (its default is --labels:
    /// `{"data":{"attributes":{"labels":...}},"type":"container"}`), beside hpcrun's own, so that a script's
    /// `jq .data.attributes.labels` reads the labels; JSON only (<see cref="ForJson"/>).</summary>
    public ApptainerInspectionData? Data { get; init; }
    public string? Type { get; init; }

    /// <summary>This as JSON holds it: the runscript and definition file with each byte that is not UTF-8 as U+FFFD
    /// (the text form prints their bytes as they are), and Apptainer's <see cref="Data"/> and <see cref="Type"/>.
    /// </summary>
    public ImageInfo ForJson() => this with
    {
        Runscript = Runscript is null ? null : RawText.Lossy(Runscript),
        DefinitionFile = DefinitionFile is null ? null : RawText.Lossy(DefinitionFile),
        Data = new ApptainerInspectionData(new ApptainerAttributes { Labels = Config.Labels }),
        Type = "container",
    };
}

/// <summary>One SIF data object; partitions carry their file system, role and architecture.</summary>
public sealed record ObjectInfo(uint Id, string Type, string? Name, uint Group, string? Link, long Offset, long Size,
    string? FsType = null, string? PartType = null, string? Architecture = null, string? Signature = null);

public sealed record SquashFsInfo(long Offset, long BytesUsed, uint Inodes, uint BlockSize, string Compression);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ImageInfo))]
public sealed partial class ImageInfoJson : JsonSerializerContext
{
    /// <summary>Text as `inspect --deffile --json` writes it (<see cref="ApptainerInspectionJson.AsApptainer"/>):
    /// quotes as \", + and > as they are, not \u0022, \u002B and \u003E.</summary>
    public static ImageInfoJson Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
