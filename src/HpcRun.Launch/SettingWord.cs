namespace HpcRun.Launch;

/// <summary>
/// A setting given as a word (`--mpi host`, HPCRUN_RDMA=mlx5_0) turned into its value, or into a
/// usage error (exit 64) that names where the word came from: "HPCRUN_MPI: expected one of ...".
/// </summary>
public static class SettingWord
{
    /// <param name="source">Where <paramref name="word"/> came from, as messages name it: an option
    /// ("--rdma") or a variable ("HPCRUN_RDMA").</param>
    /// <param name="parse">The setting's parser; its <see cref="FormatException"/> says what is wrong.</param>
    /// <exception cref="HpcRunException">64 (usage): "<paramref name="source"/>: " and the parser's
    /// message.</exception>
    public static T Parse<T>(string source, string word, Func<string, T> parse)
    {
        try { return parse(word); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.Usage, $"{source}: {e.Message}"); }
    }

    /// <summary>The setting <paramref name="variable"/> gives in <paramref name="environment"/> (batch
    /// scripts and sites export HPCRUN_* settings), or <paramref name="fallback"/> when it is unset or empty.</summary>
    /// <exception cref="HpcRunException">64 (usage), as <see cref="Parse"/>.</exception>
    public static T FromEnvironment<T>(IReadOnlyDictionary<string, string> environment, string variable,
        Func<string, T> parse, T fallback) =>
        environment.GetValueOrDefault(variable) is { Length: > 0 } word ? Parse(variable, word, parse) : fallback;

    /// <summary>The words that turn a switch on and off, in any case (Native/hpcrun.h's HPCRUN_SWITCH_OFF_WORDS
    /// are the second).</summary>
    public static readonly string[] OnWords = ["1", "true", "yes", "on"], OffWords = ["0", "false", "no", "off"];

    /// <summary>A switch's word (HPCRUN_OFFLINE=yes) as its value.</summary>
    /// <exception cref="FormatException">A word of neither <see cref="OnWords"/> nor <see cref="OffWords"/>.
    /// </exception>
    public static bool Switch(string word) =>
        OnWords.Contains(word, StringComparer.OrdinalIgnoreCase) ? true
        : OffWords.Contains(word, StringComparer.OrdinalIgnoreCase) ? false
        : throw new FormatException($"'{word}' is neither on (1, true, yes, on) nor off (0, false, no, off)");

    /// <summary>hpcrun's switch variables (README, "Supervision and exit status": 64): each is read only where it
    /// matters (HPCRUN_OFFLINE for a docker:// image, HPCRUN_NO_JOIN in a launcher's rank), but a misspelt value
    /// is refused by every verb that may read it (<see cref="CheckSwitches"/>), not taken as on or off unsaid.
    /// </summary>
    public static readonly string[] SwitchVariables =
        ["HPCRUN_NO_JOIN", "HPCRUN_OFFLINE", "HPCRUN_INSECURE", "HPCRUN_FAST_JOIN"];

    /// <summary>Refuses a <see cref="SwitchVariables"/> value that is neither on nor off.</summary>
    /// <param name="lookup">A variable's value, or null when it is unset.</param>
    /// <exception cref="HpcRunException">64 (usage), naming the variable and the words it takes.</exception>
    public static void CheckSwitches(Func<string, string?> lookup)
    {
        foreach (string variable in SwitchVariables)
            if (lookup(variable) is { Length: > 0 } word) Parse(variable, word, Switch);
    }

    /// <summary>The switch <paramref name="variable"/> sets in <paramref name="environment"/>; off when it is unset
    /// or empty.</summary>
    /// <exception cref="HpcRunException">64 (usage) for a word that is neither on nor off.</exception>
    public static bool SwitchFromEnvironment(IReadOnlyDictionary<string, string> environment, string variable) =>
        FromEnvironment(environment, variable, Switch, false);
}
