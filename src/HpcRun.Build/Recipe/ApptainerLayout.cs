using System.Text.Json;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Lays out a definition file's sections as Apptainer does (../shared/FACTS.md, "Apptainer's image layout"), in a
/// directory the build adds over the tree: /.singularity.d/Singularity (the definition file), runscript
/// (%runscript under its `#!` line: <see cref="ShebangScript"/>), runscript.help (%help), test (%test), startscript
/// (%startscript), labels.json, env/10-docker2singularity.sh (the base image's ENV as exports), env/90-environment.sh
/// (the base image's, with %environment, verbatim shell, appended), env/99-base.sh and env/99-runtimevars.sh
/// (<see cref="ApptainerBaseScripts"/>). A base image's files of the sections the definition file lacks stay.
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
    public static void PreparePost(string tree) =>
        // In the tree, as %post sees it: a base image's /.singularity.d/env -> /home/USER must not write there.
        TreeFiles.CreateNew(tree, PostEnvironment, EnvironmentHeader, 0b111_101_101);

    /// <summary>Writes the script of <paramref name="post"/> (%post) to <see cref="DefinitionFile.PostScript"/> in
    /// <paramref name="tree"/>, executable, as Apptainer writes it before it runs it; the path on the host, to remove
    /// once it ran. A base image that has the file already is refused (<see cref="RecipeException"/>), as Apptainer
    /// refuses it (O_EXCL, util.go's createScript), which also keeps a symlink there from sending the write out of the
    /// tree.</summary>
    public static string WriteScript(string tree, Instruction post)
    {
        string path = Path.Combine(tree, DefinitionFile.PostScript.TrimStart('/'));
        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = (UnixFileMode)0b111_101_101,
            });
            file.Write(RawText.Encode(post.Script!));
        }
        catch (IOException) when (Path.Exists(path) || File.ResolveLinkTarget(path, false) is not null)
        {
            throw new RecipeException($"%post: the image has {DefinitionFile.PostScript} already, where %post's " +
                "script goes (Apptainer refuses it too)", post.Line);
        }
        return path;
    }

    /// <summary>The labels %post wrote to <see cref="PostLabels"/> in <paramref name="tree"/>: `NAME VALUE`
    /// lines.</summary>
    public static IEnumerable<KeyValuePair<string, string>> PostLabelsIn(string tree) =>
        TreeFiles.ReadText(tree, PostLabels) is { } text ? Labels(text) : [];

    /// <summary>The base image's labels: its config's, and over them those of its /.singularity.d/labels.json, which
    /// Apptainer's build starts from (metadata.go, getExistingLabels) and which may hold more (an Apptainer-built
    /// base's `org.label-schema.usage.singularity.version`, which its config lacks).</summary>
    public static Dictionary<string, string> BaseLabels(IReadOnlyDictionary<string, string> config, string tree)
    {
        var labels = new Dictionary<string, string>(config);
        foreach ((string name, string value) in
                 ApptainerAttributesReader.Labels(TreeFiles.ReadText(tree, $"/{Meta}/labels.json")) ?? [])
            labels[name] = value;
        return labels;
    }

    /// <summary>`NAME VALUE` lines (%labels, $APPTAINER_LABELS), split at the first space only (a tab is part of
    /// the name), as Apptainer's GetLabels (pkg/build/types/parser/deffile.go) splits them: blank and '#' lines
    /// skipped, name and value trimmed.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Labels(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1].Trim() : ""));

    /// <summary>The image's labels as Apptainer's build makes them (internal/pkg/build/metadata.go,
    /// insertLabelsJSON): the base image's, those %post wrote to $APPTAINER_LABELS over them, the build's own
    /// (<see cref="BuildLabels"/>) over those, then %labels' own (the last of a name written twice). A %labels name
    /// the image has already keeps its value, with a warning when they differ, as Apptainer keeps it, unless
    /// <paramref name="force"/> (`build --force`, as Apptainer's).</summary>
    public static Dictionary<string, string> MergeLabels(IReadOnlyDictionary<string, string> image,
        IEnumerable<KeyValuePair<string, string>> post, IReadOnlyDictionary<string, string> build,
        IEnumerable<KeyValuePair<string, string>> own, bool force, IBuildReporter reporter)
    {
        var labels = new Dictionary<string, string>(image);
        foreach ((string name, string value) in post.Concat(build)) labels[name] = value;
        var written = new Dictionary<string, string>();
        foreach ((string name, string value) in own) written[name] = value;
        foreach ((string name, string value) in written)
            if (force || !labels.TryGetValue(name, out string? had)) labels[name] = value;
            else if (had != value)
                reporter.Warning($"%labels {name}: " + (build.ContainsKey(name) ? "the build sets it"
                    : "the base image or %post set it already") + ": kept, as Apptainer keeps it (build with --force " +
                    "to replace it)");
        return labels;
    }

    /// <summary>Writes the layout into <paramref name="root"/>, over the stage's last <paramref name="tree"/> as
    /// Apptainer's build writes over its base image's (metadata.go, insertMetadata): a section the definition file
    /// lacks (or leaves blank) leaves the base's file of it; %environment is appended to the base's
    /// 90-environment.sh; %help does not replace the base's runscript.help unless <paramref name="force"/> (a
    /// warning says so); the base's definition file moves to bootstrap_history/ApptainerN.</summary>
    public static void Write(string root, string tree, DefinitionSections definition, ImageConfig config, bool force,
        IBuildReporter reporter)
    {
        string meta = Path.Combine(root, Meta), env = Path.Combine(meta, "env");
        Directory.CreateDirectory(env);
        using RootDir inTree = TreeFiles.Open(tree);
        if (TreeFiles.ReadText(inTree, $"{Meta}/Singularity") is { } older)
        {
            string history = Path.Combine(meta, "bootstrap_history");
            Directory.CreateDirectory(history);
            using SafeFileHandle? kept = inTree.OpenDirectory($"{Meta}/bootstrap_history", RootDir.Follow.All);
            int count = kept is null ? 0 : Directory.GetFileSystemEntries($"/proc/self/fd/{kept.DangerousGetHandle()}")
                .Length;
            WriteBytes(Path.Combine(history, $"Apptainer{count}"), older);
        }
        WriteBytes(Path.Combine(meta, "Singularity"), definition.Text);
        foreach ((string name, string? body) in (ReadOnlySpan<(string, string?)>)[("runscript", definition.Runscript),
                     ("test", definition.Test), ("startscript", definition.Startscript)])
            if (body is not null)
                Script(Path.Combine(meta, name),
                    ShebangScript(body, definition.ScriptArguments.GetValueOrDefault(name, "")));
        if (definition.Help is { } help)
        {
            using Location? had = inTree.Resolve($"{Meta}/runscript.help", RootDir.Follow.All);
            if (force || had is null)
                WriteBytes(Path.Combine(meta, "runscript.help"), help);
            else reporter.Warning("%help: the base image has a help text already: kept, as Apptainer keeps it " +
                "(build with --force to replace it)");
        }
        File.WriteAllText(Path.Combine(meta, "labels.json"), JsonSerializer.Serialize(config.Labels,
            ImageConfigJson.Default.IReadOnlyDictionaryStringString) + "\n");
        Script(Path.Combine(env, "10-docker2singularity.sh"), ConfigScripts.Environment(config) ?? "#!/bin/sh\n");
        string? environment = TreeFiles.ReadText(inTree, $"{Meta}/env/90-environment.sh");
        if (definition.Environment is { } added)
            environment = environment is null ? EnvironmentHeader + added : $"{environment}\n{added}";
        Script(Path.Combine(env, "90-environment.sh"), environment ?? EnvironmentHeader);
        foreach ((string name, string text) in ApptainerBaseScripts.Scripts)
        {
            using Location? had = inTree.Resolve($"{Meta}/env/{name}", RootDir.Follow.All);
            if (had is null) Script(Path.Combine(env, name), text);
        }
    }

    /// <summary>Writes <paramref name="text"/> (from the definition file, RawText) as the bytes it stands for: a byte
    /// that is not UTF-8 (a Latin-1 é in %help) stays that byte, as Apptainer copies the file's bytes.</summary>
    private static void WriteBytes(string path, string text) => File.WriteAllBytes(path, RawText.Encode(text));

    /// <summary>The file of a %runscript, %test or %startscript <paramref name="body"/> (lines ending in \n), as
    /// Apptainer's handleShebangScript and insertRunScript (internal/pkg/build/metadata.go) write it: the `#!` line,
    /// a blank line, the script, a blank line. The `#!` line is the body's first line when it starts with `#!` (then
    /// left out of the script), else `#!/bin/sh`; the section's <paramref name="arguments"/> (a `#` and what follows
    /// dropped) are added to it: `%runscript -x` gives `#!/bin/sh -x`.</summary>
    internal static string ShebangScript(string body, string arguments)
    {
        string shebang = "#!/bin/sh", script = body, trimmed = body.TrimStart();
        // Apptainer takes the first line even when blank lines come before the `#!` one (its shebang is then empty):
        // the body here starts at its first line that is not blank.
        if (trimmed.StartsWith("#!", StringComparison.Ordinal))
        {
            string[] split = trimmed.Split('\n', 2);
            (shebang, script) = (split[0].Trim(), split.Length == 2 ? split[1] : "");
        }
        if (arguments.Split('#')[0].Trim() is { Length: > 0 } added) shebang += " " + added;
        return $"{shebang}\n\n{script}\n";
    }

    private static void Script(string path, string text)
    {
        WriteBytes(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}
