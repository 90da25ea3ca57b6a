namespace HpcRun.Build.Recipe;

/// <summary>A stage of a recipe: FROM's image (expanded), its name (FROM ... AS NAME), --platform, its
/// instructions, and the FROM line for messages.</summary>
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
}

/// <summary>A recipe read: its stages, the ARGs declared before the first FROM (with their defaults), and, for an
/// Apptainer definition file, the sections that become the image's /.singularity.d and its stored text.</summary>
public sealed record Recipe(IReadOnlyList<Stage> Stages, IReadOnlyDictionary<string, string?> GlobalArgs,
    DefinitionSections? Definition = null)
{
    /// <summary>The --build-arg names the recipe reads (an ARG declares them; a definition file's `{{ NAME }}`);
    /// the build warns about the others, as `docker build` does.</summary>
    public IReadOnlySet<string> ArgsUsed { get; init; } = new HashSet<string>();

    /// <summary>Splits a Dockerfile's instructions into stages, FROM's arguments expanded with the global ARGs
    /// (the --build-arg values over their defaults).</summary>
    public static Recipe FromDockerfile(IReadOnlyList<Instruction> instructions,
        IReadOnlyDictionary<string, string> buildArgs)
    {
        var global = new Dictionary<string, string?>();
        var stages = new List<Stage>();
        Instruction? from = null;
        var body = new List<Instruction>();
        var scope = new StageState();
        foreach (Instruction instruction in instructions)
        {
            if (instruction.Keyword == "ARG" && from is null)
            {
                StageState before = scope;
                foreach ((string name, string? value) in before.ExpandPairs(instruction.Arguments, legacyForm: false))
                {
                    string? given = buildArgs.TryGetValue(name, out string? v) ? v : value;
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
            .SelectMany(i => Words.Pairs(i.Arguments, legacyForm: false)).Select(p => p.Key).ToHashSet();
        return new Recipe(stages, global) { ArgsUsed = declared };
    }

    private static Stage MakeStage(Instruction from, List<Instruction> body, StageState scope)
    {
        List<string> words = Words.Split(scope.Expand(from.Arguments));
        if (words.Count is not (1 or 3)
            || words.Count == 3 && !words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
            throw new RecipeException("FROM takes IMAGE [AS NAME]", from.Line);
        return new Stage(words[0], words.Count == 3 ? words[2].ToLowerInvariant() : null,
            from.Flags.GetValueOrDefault("platform") is { } p ? scope.Expand(p) : null, body, from.Line)
        {
            Shown = from.Shown,
        };
    }
}
