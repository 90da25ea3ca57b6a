namespace HpcRun.Launch;

/// <summary>One -B/--bind value: SRC[:DST[:ro|rw]].</summary>
public sealed record BindSpec(string Source, string Target, bool ReadOnly)
{
    /// <summary>The variable the bind came from (APPTAINER_BIND...), for messages; null for -B and --mount. Not
    /// part of what a bind is: two binds that differ only there are the same bind.</summary>
    public string? Origin { get; init; }

    /// <summary>Given as --mount or APPTAINER_MOUNT, which Apptainer lists after the -B binds in APPTAINER_BIND.
    /// Not part of what a bind is, as <see cref="Origin"/>.</summary>
    public bool FromMount { get; init; }

    public bool Equals(BindSpec? other) =>
        other is not null && (Source, Target, ReadOnly) == (other.Source, other.Target, other.ReadOnly);

    public override int GetHashCode() => HashCode.Combine(Source, Target, ReadOnly);

    /// <summary>Parses a --bind argument, which may hold a comma-separated list.</summary>
    /// <exception cref="HpcRunException">64 (usage): a bad bind, or none at all (`-B ''`).</exception>
    public static IEnumerable<BindSpec> ParseList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            is { Length: > 0 } specs ? specs.Select(Parse)
            : throw new HpcRunException(ExitCode.Usage, $"bad bind '{value}': expected SRC[:DST[:ro|rw]]");

    public static BindSpec Parse(string value)
    {
        string[] parts = value.Split(':');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
            throw new HpcRunException(ExitCode.Usage, $"bad bind '{value}': expected SRC[:DST[:ro|rw]]");
        bool readOnly = parts.Length == 3 && parts[2] switch
        {
            "ro" => true,
            "rw" => false,
            _ => throw new HpcRunException(ExitCode.Usage,
                $"bad bind '{value}': mode must be ro or rw, not '{parts[2]}'"),
        };
        string target = parts.Length > 1 ? parts[1] : parts[0];
        if (!target.StartsWith('/'))
            throw new HpcRunException(ExitCode.Usage, parts.Length > 1
                ? $"bad bind '{value}': the destination must be an absolute path"
                : $"bad bind '{value}': without a destination the source is also the destination, which must be " +
                  "an absolute path");
        target = PathText.Normalize(target);
        if (Refusal(parts[0], target) is { } why)
            throw new HpcRunException(ExitCode.Usage, $"bad bind '{value}': {why}");
        return new BindSpec(parts[0], target, readOnly);
    }

    /// <summary>Where hpcrun always binds the host's own (README, "Process model"), as --no-mount refuses to leave them
    /// out (<see cref="NoMount"/>).</summary>
    private static readonly string[] HostSystemTrees = ["/proc", "/sys", "/dev"];

    /// <summary>Why nothing may be bound from <paramref name="source"/> at <paramref name="target"/> (normalized): the
    /// container's root, or /proc, /sys or /dev, which a rank needs the host's of (binding the host's own there,
    /// `-B /dev`, changes nothing and stands; below them, `-B /scratch/shm:/dev/shm`, is allowed); null: it may.
    /// </summary>
    internal static string? Refusal(string source, string target) =>
        target == "/" ? "cannot bind over the container's root (the image is the root)"
        : HostSystemTrees.Contains(target) && !(source.StartsWith('/') && PathText.Normalize(source) == target)
            ? $"cannot bind over {target}: hpcrun always binds the host's /proc, /sys and /dev (MPI and RDMA need " +
              "them); bind below it or elsewhere"
        : null;
}
