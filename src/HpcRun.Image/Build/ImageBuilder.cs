using System.Runtime.InteropServices;
using System.Text.Json;
using HpcRun.Image.Formats;
using HpcRun.Image.Metadata;
using HpcRun.Image.Sif;

namespace HpcRun.Image.Build;

/// <summary>What `hpcrun build` was asked for.</summary>
public sealed record BuildRequest(string Output, string Source, bool SquashFsOnly = false, string? Platform = null, string? Tag = null);

/// <summary>
/// Builds a flattened, reproducible image: picks the image in the source, applies its layers
/// (or takes a directory as it is), runs mksquashfs and wraps the result in a SIF with the
/// config and a build record beside it. Everything is written under temporary names next to
/// the output and renamed at the end, so a failed build leaves nothing behind.
/// </summary>
public static class ImageBuilder
{
    public static void Build(BuildRequest request, string hpcrunVersion, IBuildReporter reporter)
    {
        string output = Path.GetFullPath(request.Output);
        string prefix = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.{Environment.ProcessId}");
        string partial = prefix + ".partial", scratch = prefix + ".build";
        try
        {
            Directory.CreateDirectory(scratch);
            ResolvedImage image = Resolve(Path.GetFullPath(request.Source), ImageSelector.Parse(request.Platform, request.Tag), scratch, reporter);
            if (image.Tree is not null) SpecialFiles.Warn(image.Tree, reporter);
            string tree = image.Tree ?? Flatten(image, Path.Combine(scratch, "rootfs"), reporter);
            long time = Epoch(image.Created);
            byte[] config = JsonSerializer.SerializeToUtf8Bytes(image.Config, ImageConfigJson.Default.ImageConfig);
            if (request.SquashFsOnly)
            {
                string configFile = Path.Combine(scratch, "config.json");
                File.WriteAllBytes(configFile, config);
                SquashFsMaker.Make(tree, partial, 0, time, new SquashFsMaker.ExtraFile(ImageConfig.InTreePath, configFile), reporter);
            }
            else
            {
                SquashFsMaker.Make(tree, partial, SifWriter.PartitionOffset, time, null, reporter);
                WrapInSif(partial, image, config, time, hpcrunVersion);
            }
            File.Move(partial, output, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    private static ResolvedImage Resolve(string source, ImageSelector selector, string scratch, IBuildReporter reporter)
    {
        if (File.Exists(source))
        {
            string unpacked = Path.Combine(scratch, "source");
            Directory.CreateDirectory(unpacked);
            SourceArchive.Unpack(source, unpacked, reporter);
            return DockerArchive.IsArchive(unpacked) ? DockerArchive.Resolve(unpacked, selector)
                : OciLayout.IsLayout(unpacked) ? OciLayout.Resolve(unpacked, selector)
                : throw new ImageFormatException($"{source} is neither a docker save archive nor an OCI layout");
        }
        if (!Directory.Exists(source)) throw new FileNotFoundException($"build source not found: {source}", source);
        if (DockerArchive.IsArchive(source)) return DockerArchive.Resolve(source, selector);
        if (OciLayout.IsLayout(source)) return OciLayout.Resolve(source, selector);
        string architecture = selector.PlatformGiven ? selector.Architecture : HostArchitecture();
        return new ResolvedImage("directory", null, null, selector.Os, architecture, InTreeConfig(source), null, [], source);
    }

    private static string Flatten(ResolvedImage image, string rootfs, IBuildReporter reporter)
    {
        Directory.CreateDirectory(rootfs);
        new LayerFlattener(new ConfinedRoot(rootfs), reporter).Apply(image.Layers);
        return rootfs;
    }

    private static void WrapInSif(string path, ResolvedImage image, byte[] config, long time, string hpcrunVersion)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long partitionSize = file.Length - SifWriter.PartitionOffset;
        SquashFsSuperblock.Read(file, SifWriter.PartitionOffset, partitionSize);
        var record = new BuildRecord
        {
            SourceKind = image.Kind, SourceDigest = image.Digest, SourceTag = image.Tag, Platform = image.Platform,
            Created = time > 0 ? DateTimeOffset.FromUnixTimeSeconds(time) : null, HpcrunVersion = hpcrunVersion,
        };
        SifObject[] objects =
        [
            new(SifDataType.GenericJson, SifMetadata.ConfigName, config),
            new(SifDataType.GenericJson, SifMetadata.BuildName, JsonSerializer.SerializeToUtf8Bytes(record, BuildRecordJson.Default.BuildRecord)),
            new(SifDataType.Labels, "labels.json", JsonSerializer.SerializeToUtf8Bytes(image.Config.Labels, ImageConfigJson.Default.IReadOnlyDictionaryStringString)),
        ];
        SifWriter.Complete(file, partitionSize, ArchCode(image.Architecture), time > 0 ? time : SifText.Unset, objects);
        file.Flush(flushToDisk: true);
    }

    /// <summary>SOURCE_DATE_EPOCH when set, else the image's creation date, else 1970: never the build's clock.</summary>
    private static long Epoch(DateTimeOffset? created)
    {
        long seconds = long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out long epoch) ? epoch
            : created?.ToUnixTimeSeconds() ?? 0;
        return Math.Clamp(seconds, 0, uint.MaxValue);
    }

    private static ImageConfig InTreeConfig(string tree)
    {
        string path = Path.Combine(tree, ImageConfig.InTreePath.TrimStart('/'));
        if (!File.Exists(path)) return ImageConfig.Empty;
        try { return ImageConfig.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new ImageFormatException($"{path}: bad JSON ({e.Message})"); }
    }

    private static string ArchCode(string architecture)
    {
        try { return SifArch.Code(architecture); }
        catch (ArgumentException) { return "00"; }
    }

    private static string HostArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64", Architecture.Arm64 => "arm64", Architecture.X86 => "386", Architecture.Arm => "arm",
        Architecture.S390x => "s390x", Architecture.Ppc64le => "ppc64le", Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
