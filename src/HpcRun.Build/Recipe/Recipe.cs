namespace HpcRun.Build.Recipe;

/// <summary>A stage of a recipe: FROM's image (expanded), its name (FROM ... AS NAME), --platform, its
/// instructions, and the FROM line for messages.</summary>
public sealed record Stage(string From, string? Name, string? Platform, IReadOnlyList<Instruction> Instructions,
    int Line)
{
    /// <summary>How progress shows the stage's start, when not as `FROM image` (a definition file's header).</summary>
    public string? Shown { get; init; }
}

/// <summary>A recipe read: its stages, the ARGs declared before the first FROM (with their defaults), and, for an
/// Apptainer definition file, the sections that become the image's /.singularity.d and its stored text.</summary>
public sealed record Recipe(IReadOnlyList<Stage> Stages, IReadOnlyDictionary<string, string?> GlobalArgs,
    DefinitionSections? Definition = null)
{
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
                foreach ((string name, string value) in Words.Pairs(instruction.Arguments, legacyForm: false))
                {
                    string? given = buildArgs.TryGetValue(name, out string? v) ? v
                        : instruction.Arguments.Contains('=') ? value : null;
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
        return new Recipe(stages, global);
    }

    private static Stage MakeStage(Instruction from, List<Instruction> body, StageState scope)
    {
        List<string> words = Words.Split(scope.Expand(from.Arguments));
        if (words.Count is not (1 or 3)
            || words.Count == 3 && !words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
            throw new RecipeException("FROM takes IMAGE [AS NAME]", from.Line);
        return new Stage(words[0], words.Count == 3 ? words[2].ToLowerInvariant() : null,
            from.Flags.GetValueOrDefault("platform") is { } p ? scope.Expand(p) : null, body, from.Line);
    }
}
