using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Build.Recipe;

/// <summary>A stage of a recipe: FROM's image (expanded), its name (FROM ... AS NAME), --platform (expanded, checked,
/// lower case), its instructions, and the FROM line for messages.</summary>
public sealed record Stage(string From, string? Name, string? Platform, IReadOnlyList<Instruction> Instructions,
    int Line)
{
    /// <summary>How progress shows the stage's start: its FROM as written, or a definition file's header.</summary>
    public string? Shown { get; init; }

    /// <summary>How messages name the stage's base image: `FROM image`, or a definition file's `From: image`.</summary>
    public string Term { get; init; } = $"FROM {From}";

    /// <summary>Variables every RUN of the stage gets besides its ARGs (a definition file's %post: Apptainer's
    /// APPTAINER_ENVIRONMENT and friends, <see cref="ApptainerLayout.PostVariables"/>).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>A definition file's `Bootstrap: docker-archive`, `oci` or `oci-archive`: <see cref="From"/> names a
    /// `docker save` archive or OCI layout, `FILE[:TAG]`, and nothing else; null: any base.</summary>
    public string? ArchiveAgent { get; init; }

    /// <summary>COPY --from=NAME where no stage is named NAME: the image NAME, read as the stage `FROM NAME` that
    /// BuildKit makes of it.</summary>
    public bool Implicit { get; init; }
}

/// <summary>A recipe read: its stages, the ARGs declared before the first FROM (with their defaults), and, for an
/// Apptainer definition file, the sections that become the image's /.singularity.d and its stored text.</summary>
public sealed record Recipe(IReadOnlyList<Stage> Stages, IReadOnlyDictionary<string, string?> GlobalArgs,
    DefinitionSections? Definition = null)
{
    /// <summary>The --build-arg names the recipe reads (an ARG declares them; a definition file's `{{ NAME }}`);
    /// the build warns about the others, as `docker build` does.</summary>
    public IReadOnlySet<string> ArgsUsed { get; init; } = new HashSet<string>();

    /// <summary>BuildKit's automatic platform ARGs (Dockerfile reference, "Automatic platform ARGs in the global
    /// scope"): BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT of the machine that builds, TARGETPLATFORM, TARGETOS,
    /// TARGETARCH, TARGETVARIANT of the image built (<paramref name="target"/>, OS/ARCH[/VARIANT]).</summary>
    public static Dictionary<string, string> PlatformArgs(string target, string build)
    {
        var args = new Dictionary<string, string>();
        foreach ((string prefix, string platform) in new[] { ("BUILD", build), ("TARGET", target) })
        {
            string[] parts = platform.Split('/');
            args[$"{prefix}PLATFORM"] = platform;
            args[$"{prefix}OS"] = parts[0];
            args[$"{prefix}ARCH"] = parts.Length > 1 ? parts[1] : "";
            args[$"{prefix}VARIANT"] = parts.Length > 2 ? parts[2] : "";
        }
        return args;
    }

    /// <summary>What the build says before it starts, each with its line: a definition file's headers that its
    /// agent does not read.</summary>
    public IReadOnlyList<(int Line, string Text)> Warnings { get; init; } = [];

    /// <summary>The lines of the file at <paramref name="path"/> when it is small (1 MiB at most) and readable, else
    /// none: enough to tell a recipe by its first lines, cheaply; the build says why one cannot be read.</summary>
    internal static string[] SmallFileLines(string path)
    {
        // O_NONBLOCK: a FIFO named here is no recipe, and opening it must not wait for a writer.
        using SafeFileHandle file = Libc.Open(Libc.Cwd, path, Libc.O_RDONLY | Libc.O_NONBLOCK);
        if (file.IsInvalid || Libc.Stat(file, "") is not { Type: Libc.S_IFREG, Size: <= 1 << 20 }) return [];
        try
        {
            using var reader = new StreamReader(new FileStream(file, FileAccess.Read));
            var lines = new List<string>();
            while (reader.ReadLine() is { } line) lines.Add(line);
            return [.. lines];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>A recipe file's text from its <paramref name="bytes"/>, each kept (<see cref="RawText"/>): a byte that
    /// is not UTF-8 (a Latin-1 é in a comment or %help) goes back into the image's definition file and scripts as
    /// that byte, as Apptainer copies the file. A UTF-8 byte-order mark stays too (U+FEFF): the SIF stores the
    /// definition file as given, as Apptainer's does; the parsers leave it out (<see cref="WithoutBom"/>).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) => RawText.Decode(bytes);

    /// <summary><paramref name="text"/> without the UTF-8 byte-order mark it starts with, if any: what the parsers
    /// read, as BuildKit's parser drops it from a Dockerfile's first line (an editor on Windows writes one).</summary>
    public static string WithoutBom(string text) => text.StartsWith('\uFEFF') ? text[1..] : text;

    /// <summary>Refuses a recipe with a NUL character (a byte 0), which no path, argument or variable can carry:
    /// its line.</summary>
    internal static void RefuseNul(string text)
    {
        int at = text.IndexOf('\0');
        if (at >= 0)
            throw new RecipeException("a NUL character (byte 0): a recipe is text, and no path, argument or variable " +
                "can hold one", text.AsSpan(0, at).Count('\n') + 1);
    }

    /// <summary>Splits a Dockerfile's instructions into stages, FROM's arguments expanded with the global ARGs
    /// (the --build-arg values over their defaults) and the automatic platform ARGs (<see cref="PlatformArgs"/>:
    /// <paramref name="targetPlatform"/>, `hpcrun build --platform`, else the host's; --build-arg over them too),
    /// which a stage's `ARG NAME` also takes.</summary>
    public static Recipe FromDockerfile(IReadOnlyList<Instruction> instructions,
        IReadOnlyDictionary<string, string> buildArgs, string? targetPlatform = null)
    {
        var global = new Dictionary<string, string?>();
        var stages = new List<Stage>();
        Instruction? from = null;
        var body = new List<Instruction>();
        var automatic = PlatformArgs(targetPlatform ?? HpcRun.Image.HostPlatform.Name, HpcRun.Image.HostPlatform.Name);
        foreach ((string name, string value) in automatic) global[name] = buildArgs.GetValueOrDefault(name, value);
        var scope = new StageState { Args = global.ToDictionary(a => a.Key, a => a.Value!) };
        foreach (Instruction instruction in instructions)
        {
            if (instruction.Keyword == "ARG" && from is null)
            {
                StageState before = scope;
                foreach ((string name, string? value) in before.ExpandPairs(instruction.Arguments, legacyForm: false,
                             instruction.Escape, instruction.Line))
                {
                    string? given = buildArgs.TryGetValue(name, out string? v) ? v
                        : value ?? automatic.GetValueOrDefault(name);
                    global[name] = given;
                    if (given is not null)
                        scope = scope with { Args = new Dictionary<string, string>(scope.Args) { [name] = given } };
                }
                continue;
            }
            if (instruction.Keyword != "FROM") { body.Add(instruction); continue; }
            if (from is not null) stages.Add(MakeStage(from, body, scope));
            from = instruction;
            body = [];
        }
        stages.Add(MakeStage(from!, body, scope));
        var declared = instructions.Where(i => i.Keyword == "ARG")
            .SelectMany(i => Words.Pairs(i.Arguments, legacyForm: false, escape: i.Escape, line: i.Line))
            .Select(p => p.Key).ToHashSet();
        return new Recipe(stages, global) { ArgsUsed = declared };
    }

    private static Stage MakeStage(Instruction from, List<Instruction> body, StageState scope)
    {
        List<string> words = Words.Split(scope.Expand(from.Arguments, from.Escape), escape: from.Escape,
            line: from.Line);
        if (words.Count is not (1 or 3)
            || words.Count == 3 && !words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
            throw new RecipeException("FROM takes IMAGE [AS NAME]", from.Line);
        return new Stage(words[0], words.Count == 3 ? StageName(from) : null, Platform(from, scope), body, from.Line)
        {
            Shown = from.Shown,
        };
    }

    /// <summary>FROM ... AS NAME's name, in lower case, as written (a variable is not expanded there): refused
    /// unless a letter then letters, digits, `-`, `_` and `.`, as BuildKit's parseBuildStageName refuses it
    /// (frontend/dockerfile/instructions/parse.go, validStageName): `1bad` would read as a stage's index in
    /// COPY --from, and `a b` or `$X` as no name a --target or --from could give.</summary>
    private static string StageName(Instruction from)
    {
        string written = Words.Split(from.Arguments, escape: from.Escape)[^1], name = written.ToLowerInvariant();
        if (name.Length == 0 || !char.IsAsciiLetterLower(name[0])
            || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.'))
            throw new RecipeException($"FROM ... AS {written}: not a stage name: give a letter, then letters, " +
                "digits, '-', '_' or '.'", from.Line);
        return name;
    }

    /// <summary>FROM --platform, expanded with the global ARGs and normalized as BuildKit does (null: none, or empty,
    /// as `--platform=$UNSET` is); throws for one that is not OS/ARCH[/VARIANT].</summary>
    private static string? Platform(Instruction from, StageState scope)
    {
        if (from.Flags.GetValueOrDefault("platform") is not { } flag
            || scope.Expand(flag, from.Escape) is not { Length: > 0 } text)
            return null;
        try { return PlatformName.Normalize(text); }
        catch (ArgumentException)
        {
            throw new RecipeException($"FROM --platform={text}: not a platform: give OS/ARCH, e.g. linux/amd64",
                from.Line);
        }
    }
}
