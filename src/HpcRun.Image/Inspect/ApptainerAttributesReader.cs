using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HpcRun.Image.Metadata;
using HpcRun.Image.Sif;
using HpcRun.Image.Text;

namespace HpcRun.Image.Inspect;

/// <summary>
/// Reads <see cref="ApptainerAttributes"/> without mounting: a directory's files; a SquashFS's (a SIF's primary
/// partition at its offset) with unsquashfs; a SIF's inspect-metadata.json and definition-file objects first,
/// as Apptainer does. What an image built by hpcrun from a Docker image or Dockerfile keeps in its config instead
/// (labels, ENV, ENTRYPOINT and CMD) is shown as Apptainer's build would have written it (<see cref="ConfigScripts"/>).
/// The runscript is what `hpcrun run` runs: hpcrun's own /hpcrun-run first (its text; a binary as the line that runs
/// it), then Apptainer's. Labels come sorted by key, as Apptainer's JSON and text list them.
/// </summary>
public static partial class ApptainerAttributesReader
{
    private const string Meta = "/.singularity.d";

    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">Not an image.</exception>
    public static ApptainerAttributes Read(string path, AttributeKinds kinds)
    {
        ApptainerAttributes fromSif = new();
        IImageFiles files;
        Func<ImageConfig> config;
        if (File.Exists(path) && ImageInspector.IsSif(path))
        {
            using var stream = File.OpenRead(path);
            SifFile sif = SifFile.Read(stream);
            fromSif = SifAttributes(stream, sif);
            files = sif.PrimarySystem is { FsType: SifFsType.Squashfs } root
                ? new SquashFsFiles(path, root.Offset) : new NoFiles();
            ImageConfig sifConfig = SifMetadata.Read(stream, sif).Config;
            config = () => sifConfig;
        }
        else
        {
            files = ImageSource.Probe(path).Kind == ImageKind.SquashFs ? new SquashFsFiles(path, 0)
                : new DirectoryFiles(path);
            config = () => files.Read(ImageConfig.InTreePath) is { } json ? ImageConfig.Parse(json) : ImageConfig.Empty;
        }
        bool Wants(AttributeKinds kind) => kinds.HasFlag(kind);
        return new ApptainerAttributes
        {
            Labels = Wants(AttributeKinds.Labels)
                ? new SortedDictionary<string, string>(fromSif.Labels?.ToDictionary()
                    ?? WithConfigLabels(Labels(files.Read($"{Meta}/labels.json")), config()), StringComparer.Ordinal)
                : null,
            Deffile = Wants(AttributeKinds.Deffile) ? fromSif.Deffile ?? files.Text($"{Meta}/Singularity") : null,
            Runscript = Wants(AttributeKinds.Runscript)
                ? HpcrunRunscript(files) ?? fromSif.Runscript ?? files.Text($"{Meta}/runscript")
                    ?? ConfigScripts.Runscript(config())
                : null,
            Test = Wants(AttributeKinds.Test) ? fromSif.Test ?? files.Text($"{Meta}/test") : null,
            Helpfile = Wants(AttributeKinds.Helpfile)
                ? fromSif.Helpfile ?? files.Text($"{Meta}/runscript.help") : null,
            Startscript = Wants(AttributeKinds.Startscript)
                ? fromSif.Startscript ?? files.Text($"{Meta}/startscript") : null,
            Environment = Wants(AttributeKinds.Environment)
                ? fromSif.Environment ?? EnvironmentScripts(files, config) : null,
        };
    }

    /// <summary>/hpcrun-run, which `hpcrun run` runs before any other runscript (HpcRun.Launch's CommandPart): its
    /// text, or for a binary the script that would run it; null when the image has none.</summary>
    private static string? HpcrunRunscript(IImageFiles files) =>
        files.Text(HpcrunRun) is not { } text ? null
        : text.Contains('\0') || RawText.HasEscapes(text) ? $"#!/bin/sh\nexec {HpcrunRun} \"$@\"\n" : text;

    private const string HpcrunRun = "/hpcrun-run";

    /// <summary>labels.json's labels, then those of the image config it lacks (hpcrun's images keep the labels of a
    /// Dockerfile's LABEL and of the base image in their config).</summary>
    private static Dictionary<string, string> WithConfigLabels(Dictionary<string, string>? labels, ImageConfig config)
    {
        labels ??= [];
        foreach ((string name, string value) in config.Labels) labels.TryAdd(name, value);
        return labels;
    }

    /// <summary>Apptainer's inspect-metadata.json (data.attributes) and its definition-file object.</summary>
    private static ApptainerAttributes SifAttributes(Stream stream, SifFile sif)
    {
        string? Text(SifDescriptor? d) => d is null ? null : Encoding.UTF8.GetString(SifFile.ReadObject(stream, d));
        // The definition file's bytes as they are (RawText), as Apptainer prints them; its JSON is UTF-8.
        string? deffile = sif.Find(SifDataType.Deffile) is { } d ? RawText.Decode(SifFile.ReadObject(stream, d)) : null;
        if (Text(sif.Find(SifDataType.GenericJson, d => d.Name == "inspect-metadata.json")) is not { } json)
            return new ApptainerAttributes { Deffile = deffile };
        try
        {
            using var document = JsonDocument.Parse(json);
            JsonElement attributes =
                JsonFields.Property(JsonFields.Property(document.RootElement, "data"), "attributes");
            Dictionary<string, string>? Map(string name) =>
                JsonFields.Property(attributes, name).ValueKind == JsonValueKind.Object
                    ? JsonFields.StringMap(JsonFields.Property(attributes, name)).ToDictionary() : null;
            string? Field(string name) => JsonFields.String(attributes, name) is { Length: > 0 } s ? s : null;
            return new ApptainerAttributes
            {
                Labels = Map("labels"),
                Deffile = deffile ?? Field("deffile"),
                Runscript = Field("runscript"),
                Test = Field("test"),
                Helpfile = Field("helpfile"),
                Startscript = Field("startscript"),
                Environment = Map("environment") is { } environment
                    ? new SortedDictionary<string, string>(environment, StringComparer.Ordinal) : null,
            };
        }
        catch (JsonException e)
        {
            throw new ImageFormatException($"SIF object inspect-metadata.json: {JsonError.Describe(e)}");
        }
    }

    /// <summary>The labels of a labels.json's text; null for none. Throws <see cref="ImageFormatException"/> for
    /// text that is not a JSON object of strings.</summary>
    public static Dictionary<string, string>? Labels(string? json)
    {
        if (json is null) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonFields.StringMap(document.RootElement).ToDictionary();
        }
        catch (JsonException e) { throw new ImageFormatException($"{Meta}/labels.json: {JsonError.Describe(e)}"); }
    }

    /// <summary>The scripts Apptainer's inspect shows: env/10-docker*.sh and env/9*-environment.sh; when the image
    /// has none, the one Apptainer would have made of the config's ENV.</summary>
    private static SortedDictionary<string, string> EnvironmentScripts(IImageFiles files, Func<ImageConfig> config)
    {
        var scripts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in files.List($"{Meta}/env").Where(n => ShownScript().IsMatch(n)))
            if (files.Text($"{Meta}/env/{name}") is { } text) scripts[$"{Meta}/env/{name}"] = text;
        if (scripts.Count == 0 && ConfigScripts.Environment(config()) is { } derived)
            scripts[ConfigScripts.EnvironmentPath] = derived;
        return scripts;
    }

    [GeneratedRegex(@"^(10-docker.*|9.*-environment)\.sh$")]
    private static partial Regex ShownScript();

    private interface IImageFiles
    {
        /// <summary>The file as UTF-8 (its JSON); a byte that is not UTF-8 is U+FFFD, as Go's encoding/json reads
        /// it.</summary>
        string? Read(string inImage);

        /// <summary>The file's bytes as they are (<see cref="RawText"/>): the scripts and texts inspect prints, as
        /// Apptainer prints them.</summary>
        string? Text(string inImage);

        IEnumerable<string> List(string directory);
    }

    private sealed class NoFiles : IImageFiles
    {
        public string? Read(string inImage) => null;
        public string? Text(string inImage) => null;
        public IEnumerable<string> List(string directory) => [];
    }

    private sealed class DirectoryFiles(string root) : IImageFiles
    {
        public string? Read(string inImage) =>
            File.Exists(Path.Join(root, inImage)) ? File.ReadAllText(Path.Join(root, inImage)) : null;

        public string? Text(string inImage) =>
            File.Exists(Path.Join(root, inImage)) ? RawText.Decode(File.ReadAllBytes(Path.Join(root, inImage))) : null;

        public IEnumerable<string> List(string directory) => Directory.Exists(Path.Join(root, directory))
            ? Directory.EnumerateFiles(Path.Join(root, directory)).Select(Path.GetFileName).OfType<string>() : [];
    }

    private sealed class SquashFsFiles(string image, long offset) : IImageFiles
    {
        public string? Read(string inImage) => Unsquashfs.Output(image, offset, "-cat", inImage.TrimStart('/'));

        public string? Text(string inImage) =>
            Unsquashfs.Bytes(image, offset, "-cat", inImage.TrimStart('/')) is { } bytes ? RawText.Decode(bytes) : null;

        /// <summary>The names directly in <paramref name="directory"/>, from `unsquashfs -l`'s
        /// squashfs-root/... lines.</summary>
        public IEnumerable<string> List(string directory)
        {
            string prefix = $"squashfs-root/{directory.Trim('/')}/";
            return (Unsquashfs.Output(image, offset, "-l", directory.TrimStart('/')) ?? "").Split('\n')
                .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && !l[prefix.Length..].Contains('/'))
                .Select(l => l[prefix.Length..]);
        }
    }
}
