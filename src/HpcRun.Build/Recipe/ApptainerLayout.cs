using System.Text.Json;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Lays out a definition file's sections as Apptainer does (../shared/FACTS.md, "Apptainer's image layout"), in a
/// directory the build adds over the tree: /.singularity.d/Singularity (the definition file), runscript
/// (`#!/bin/sh` and %runscript), runscript.help (%help), test (%test), labels.json, env/10-docker2singularity.sh
/// (the base image's ENV as exports), env/90-environment.sh (%environment, verbatim shell).
/// </summary>
internal static class ApptainerLayout
{
    public const string Meta = ".singularity.d";

    public static void Write(string root, DefinitionSections definition, ImageConfig config)
    {
        string meta = Path.Combine(root, Meta), env = Path.Combine(meta, "env");
        Directory.CreateDirectory(env);
        File.WriteAllText(Path.Combine(meta, "Singularity"), definition.Text);
        if (definition.Runscript is { } runscript) Script(Path.Combine(meta, "runscript"), runscript);
        if (definition.Test is { } test) Script(Path.Combine(meta, "test"), test);
        if (definition.Help is { } help) File.WriteAllText(Path.Combine(meta, "runscript.help"), help);
        File.WriteAllText(Path.Combine(meta, "labels.json"), JsonSerializer.Serialize(config.Labels,
            ImageConfigJson.Default.IReadOnlyDictionaryStringString) + "\n");
        Script(Path.Combine(env, "10-docker2singularity.sh"), ConfigScripts.Environment(config) ?? "#!/bin/sh\n",
            header: false);
        Script(Path.Combine(env, "90-environment.sh"),
            "#!/bin/sh\n# Custom environment shell code should follow\n\n" + (definition.Environment ?? ""),
            header: false);
    }

    private static void Script(string path, string body, bool header = true)
    {
        File.WriteAllText(path, header ? "#!/bin/sh\n\n" + body : body);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}
