namespace HpcRun.Launch;

/// <summary>-H/--home SRC[:DST] (Apptainer's spec): the host directory SRC becomes the home, bound at DST; DST
/// (null when not given) defaults to SRC, as Apptainer's does, made absolute against the current directory
/// (<see cref="Parts.HomePart.HomeInside"/>); HOME is then that path.</summary>
public sealed record HomeSpec(string Source, string? Target)
{
    /// <exception cref="HpcRunException">64 (usage) for an empty part, more than two, or a relative DST.</exception>
    public static HomeSpec Parse(string source, string value)
    {
        string[] parts = value.Split(':');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0))
            throw new HpcRunException(ExitCode.Usage, $"{source}: bad home '{value}': expected SRC[:DST]");
        if (parts.Length == 2 && !parts[1].StartsWith('/'))
            throw new HpcRunException(ExitCode.Usage,
                $"{source}: bad home '{value}': the destination must be an absolute path");
        return new HomeSpec(parts[0], parts.Length == 2 ? PathText.Normalize(parts[1]) : null);
    }
}
