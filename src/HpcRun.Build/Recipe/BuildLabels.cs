using System.Globalization;

namespace HpcRun.Build.Recipe;

/// <summary>
/// The labels Apptainer's build gives an image built from a definition file (internal/pkg/build/metadata.go,
/// addBuildLabels), so that `inspect --labels` shows what it shows for one Apptainer built: the label-schema version,
/// the build's date and architecture, the builder's version, where the help is (with %help), and each header of the
/// definition file (`org.label-schema.usage.singularity.deffile.bootstrap`, `.from`..., the names Apptainer and
/// Singularity give them). Where Apptainer names itself (`usage.apptainer.version`, `usage.apptainer.runscript.help`),
/// hpcrun names itself. The date is the build's fixed time, never the clock, so that a build gives the same bytes
/// again.
/// </summary>
internal static class BuildLabels
{
    private const string Prefix = "org.label-schema.";
    private const string HelpPath = "/.singularity.d/runscript.help";

    /// <summary>The labels for <paramref name="definition"/> built for <paramref name="platform"/> (OS/ARCH[/VARIANT])
    /// at <paramref name="time"/> (seconds since 1970: SOURCE_DATE_EPOCH, else 0, the time the SquashFS and the SIF
    /// carry) by hpcrun <paramref name="version"/>.</summary>
    public static Dictionary<string, string> For(DefinitionSections definition, string platform, long time,
        string version)
    {
        var labels = new Dictionary<string, string>
        {
            [Prefix + "schema-version"] = "1.0",
            [Prefix + "build-date"] = Date(DateTimeOffset.FromUnixTimeSeconds(time)),
            [Prefix + "usage.hpcrun.version"] = version,
            [Prefix + "build-arch"] = platform.Split('/') is [_, var architecture, ..] ? architecture : platform,
        };
        if (definition.Help is not null)
        {
            labels[Prefix + "usage"] = HelpPath;
            labels[Prefix + "usage.hpcrun.runscript.help"] = HelpPath;
        }
        foreach ((string key, string value) in definition.Header)
            labels[$"{Prefix}usage.singularity.deffile.{key}"] = value;
        return labels;
    }

    /// <summary>A time as Apptainer writes the build date (Go's Weekday, Date, Clock and Zone joined, no number
    /// padded): `Thursday_1_January_1970_0:0:0_UTC`. Always UTC: Apptainer writes the machine's zone, which would
    /// make the bytes depend on where the build ran.</summary>
    internal static string Date(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture,
            $"{utc.DayOfWeek}_{utc.Day}_{CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(utc.Month)}_" +
            $"{utc.Year}_{utc.Hour}:{utc.Minute}:{utc.Second}_UTC");
    }
}
