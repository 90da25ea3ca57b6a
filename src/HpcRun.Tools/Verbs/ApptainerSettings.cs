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

    /// <summary>The switch <paramref name="option"/>, on when given, else when Apptainer's variable for
    /// <paramref name="keys"/> is on. The option comes first: the variable is read only without it, and a word Go's
    /// strconv.ParseBool refuses is refused (64) only then, as it is only then that it would decide anything. A
    /// verb calls this only where the option means something for its source (build's --notest for a definition
    /// file): elsewhere the variable is ignored, as Apptainer ignores it.</summary>
    public static bool Flag(ParseResult result, Option<bool> option, params string[] keys) =>
        result.GetValue(option) || ApptainerVariables.On(Environment.GetEnvironmentVariable, keys);

    /// <summary>The value of <paramref name="option"/>, else of Apptainer's variable for <paramref name="keys"/>;
    /// null when neither gives one.</summary>
    public static string? Value(ParseResult result, Option<string?> option, params string[] keys) =>
        result.GetValue(option) ?? ApptainerVariables.Find(Environment.GetEnvironmentVariable, keys)?.Value;
}
