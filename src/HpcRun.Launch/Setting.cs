namespace HpcRun.Launch;

/// <summary>
/// A launch setting (--gpu, --rdma, --mpi...) as the launch chose it, and where it came from: the option the user
/// typed ("--gpu", "--nv"), a variable ("HPCRUN_GPU", "APPTAINER_NV"), a line of the site configuration
/// ("/etc/hpcrun/hpcrun.conf:3"), or nowhere (<see cref="Origin"/> null: the built-in default). A refusal of the
/// value on this node names a variable or a line, which the user may not know set it, as a bind from
/// APPTAINER_BIND is named (<see cref="From"/>).
/// </summary>
public sealed record Setting<T>(T Value, string? Origin = null)
{
    /// <summary>Whether the user typed it: an option's name.</summary>
    public bool Typed => Origin is ['-', ..];

    /// <summary>The variable or the site configuration's line that gave the value, which the user may not see in the
    /// command they typed; null for an option they typed or the built-in default.</summary>
    public string? Unseen => Typed ? null : Origin;

    /// <summary>" (from ORIGIN)" after a refusal of the value, naming <see cref="Unseen"/>; nothing without one.
    /// </summary>
    public string From => Unseen is { } origin ? $" (from {origin})" : "";
}

/// <summary>Chooses a setting as every launch does: the command-line option, else its variable, else the site
/// configuration, else the built-in default (README, "Site configuration").</summary>
public static class Setting
{
    /// <param name="option">The option's value and its name; null when it was not given.</param>
    /// <param name="site">The site configuration's value and its file:line; null when no line gave it.</param>
    /// <exception cref="HpcRunException">64 (usage): <paramref name="variable"/>'s word is refused by
    /// <paramref name="parse"/> (<see cref="SettingWord.Parse"/>).</exception>
    public static Setting<T> Choose<T>(Setting<T>? option, IReadOnlyDictionary<string, string> environment,
        string variable, Func<string, T> parse, Setting<T>? site, T builtIn) =>
        option ?? (environment.GetValueOrDefault(variable) is { Length: > 0 } word
            ? new Setting<T>(SettingWord.Parse(variable, word, parse), variable)
            : site ?? new Setting<T>(builtIn));
}
