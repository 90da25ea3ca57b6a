using System.Text.Json;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Lays out a definition file's sections as Apptainer does (../shared/FACTS.md, "Apptainer's image layout"), in a
/// directory the build adds over the tree: /.singularity.d/Singularity (the definition file), runscript
/// (`#!/bin/sh` and %runscript), runscript.help (%help), test (%test), startscript (%startscript), labels.json,
/// env/10-docker2singularity.sh (the base image's ENV as exports), env/90-environment.sh (%environment, verbatim
/// shell).
/// </summary>
internal static class ApptainerLayout
{
    public const string Meta = ".singularity.d";

    /// <summary>The file %post appends `export` lines to (as $APPTAINER_ENVIRONMENT), which exists, holding the
    /// header Apptainer writes, before %post runs; launches evaluate it after 90-environment.sh.</summary>
    public const string PostEnvironment = "/.singularity.d/env/91-environment.sh";

    /// <summary>The file %post appends `NAME VALUE` label lines to (as $APPTAINER_LABELS); read into labels.json and
    /// left out of the image.</summary>
    public const string PostLabels = "/.build.labels";

    /// <summary>The variables Apptainer's build gives %post (internal/pkg/build/stage.go): the environment and
    /// labels files, under both prefixes. (APPTAINER_ROOTFS is for %setup and %pre, which run on the host.)</summary>
    public static readonly IReadOnlyDictionary<string, string> PostVariables = new Dictionary<string, string>
    {
        ["APPTAINER_ENVIRONMENT"] = PostEnvironment,
        ["SINGULARITY_ENVIRONMENT"] = PostEnvironment,
        ["APPTAINER_LABELS"] = PostLabels,
        ["SINGULARITY_LABELS"] = PostLabels,
    };

    private const string EnvironmentHeader = "#!/bin/sh\n# Custom environment shell code should follow\n\n";

    /// <summary>Before %post runs in <paramref name="tree"/>: makes <see cref="PostEnvironment"/> unless the base
    /// image has one (Apptainer keeps it and appends).</summary>
    public static void PreparePost(string tree)
    {
        string path = Path.Combine(tree, PostEnvironment.TrimStart('/'));
        if (File.Exists(path)) return;
        StepRunner.MakeDirectory(tree, Path.GetDirectoryName(PostEnvironment)!);
        Script(path, EnvironmentHeader, header: false);
    }

    /// <summary>The labels %post wrote to <see cref="PostLabels"/> in <paramref name="tree"/>: `NAME VALUE`
    /// lines.</summary>
    public static IEnumerable<KeyValuePair<string, string>> PostLabelsIn(string tree)
    {
        string path = Path.Combine(tree, PostLabels.TrimStart('/'));
        return File.Exists(path) ? Labels(File.ReadAllText(path)) : [];
    }

    /// <summary>`NAME VALUE` lines (%labels, $APPTAINER_LABELS): blank and '#' lines skipped.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Labels(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split([' ', '\t'], 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1].Trim() : ""));

    public static void Write(string root, DefinitionSections definition, ImageConfig config)
    {
        string meta = Path.Combine(root, Meta), env = Path.Combine(meta, "env");
        Directory.CreateDirectory(env);
        File.WriteAllText(Path.Combine(meta, "Singularity"), definition.Text);
        if (definition.Runscript is { } runscript) Script(Path.Combine(meta, "runscript"), runscript);
        if (definition.Test is { } test) Script(Path.Combine(meta, "test"), test);
        if (definition.Startscript is { } start) Script(Path.Combine(meta, "startscript"), start);
        if (definition.Help is { } help) File.WriteAllText(Path.Combine(meta, "runscript.help"), help);
        File.WriteAllText(Path.Combine(meta, "labels.json"), JsonSerializer.Serialize(config.Labels,
            ImageConfigJson.Default.IReadOnlyDictionaryStringString) + "\n");
        Script(Path.Combine(env, "10-docker2singularity.sh"), ConfigScripts.Environment(config) ?? "#!/bin/sh\n",
            header: false);
        Script(Path.Combine(env, "90-environment.sh"),
            EnvironmentHeader + (definition.Environment ?? ""),
            header: false);
    }

    private static void Script(string path, string body, bool header = true)
    {
        File.WriteAllText(path, header ? "#!/bin/sh\n\n" + body : body);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}
