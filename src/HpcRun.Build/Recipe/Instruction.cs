using System.Text.Json;

namespace HpcRun.Build.Recipe;

/// <summary>One instruction of a recipe: its keyword (upper case: RUN, COPY...), its flags (--from=x, --chown=u),
/// its arguments as written after them, and the line it starts on (1-based) for messages.</summary>
public sealed record Instruction(string Keyword, IReadOnlyDictionary<string, string> Flags, string Arguments,
    int Line)
{
    /// <summary>The arguments in exec form (a JSON array of strings), or null when they are in shell form.</summary>
    public IReadOnlyList<string>? ExecForm()
    {
        string text = Arguments.Trim();
        if (!text.StartsWith('[')) return null;
        try { return JsonSerializer.Deserialize(text, RecipeJson.Default.StringArray); }
        catch (JsonException) { return null; } // Docker too runs a malformed array as a shell command
    }

    /// <summary>How progress shows the instruction: as written, flags included (continued lines joined), or in a
    /// definition file's own terms (its sections become RUN and COPY instructions); null: its keyword and
    /// arguments.</summary>
    public string? Shown { get; init; }

    /// <summary>The Dockerfile's escape character (`# escape=`): what escapes a character in its words and `$`, as
    /// BuildKit's shell lexer reads them. RUN's shell form is the shell's to read, and keeps it as written.</summary>
    public char Escape { get; init; } = '\\';

    /// <summary>The script a definition file's %post runs from a file in the tree (its arguments name the file:
    /// <see cref="DefinitionFile.PostCommand"/>); null for any other instruction.</summary>
    public string? Script { get; init; }

    /// <summary>What the build cache keys this instruction by: keyword, flags and arguments, not the line; the escape
    /// character too when it is not the default, since it changes what the same arguments mean; the script.</summary>
    public string CacheText =>
        $"{Keyword} {string.Join(' ', Flags.OrderBy(f => f.Key).Select(f => $"--{f.Key}={f.Value}"))} {Arguments}" +
        (Escape == '\\' ? "" : $"\nescape={Escape}") + (Script is null ? "" : $"\nscript={Script}");
}

/// <summary>A recipe the build refused: <see cref="Line"/> (1-based, 0: the whole file) says where.</summary>
public sealed class RecipeException(string message, int line = 0) : Exception(message)
{
    public int Line { get; } = line;
}
