using System.CommandLine;
using HpcRun.Launch;

namespace HpcRun.Tools.Verbs;

/// <summary>
/// The options of pull and build that Apptainer also takes from its variables, so that batch scripts written for it
/// keep working: the option when given, else APPTAINER_KEY, else SINGULARITY_KEY
/// (<see cref="ApptainerVariables.Find"/>; a switch's word as Go's strconv.ParseBool reads it). Source: the EnvKeys
/// of Apptainer's cmd/internal/cli/pull.go, build.go and apptainer.go (-F/--force).
/// </summary>
internal static class ApptainerSettings
{
    /// <summary>-F/--force; --disable-cache; build's --notest.</summary>
    public const string Force = "FORCE", DisableCache = "DISABLE_CACHE", NoTest = "NOTEST";

    /// <summary>pull's --dir.</summary>
    public static readonly string[] PullDirectory = ["PULLDIR", "PULLFOLDER"];

    /// <summary>The switch <paramref name="option"/>, on when given or when Apptainer's variable for
    /// <paramref name="keys"/> is on. The variable is read either way: a bad word is refused (64), as Apptainer
    /// refuses it.</summary>
    public static bool Flag(ParseResult result, Option<bool> option, params string[] keys) =>
        ApptainerVariables.On(Environment.GetEnvironmentVariable, keys) | result.GetValue(option);

    /// <summary>The value of <paramref name="option"/>, else of Apptainer's variable for <paramref name="keys"/>;
    /// null when neither gives one.</summary>
    public static string? Value(ParseResult result, Option<string?> option, params string[] keys) =>
        result.GetValue(option) ?? ApptainerVariables.Find(Environment.GetEnvironmentVariable, keys)?.Value;
}
