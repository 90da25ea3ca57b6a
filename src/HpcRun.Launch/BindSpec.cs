namespace HpcRun.Launch;

/// <summary>One -B/--bind value: SRC[:DST[:OPTIONS]], OPTIONS a comma list of ro and rw.</summary>
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

    private const string Syntax = "expected SRC[:DST[:ro|rw]]";

    /// <summary>Parses a --bind argument, which may hold a comma-separated list.</summary>
    /// <exception cref="HpcRunException">64 (usage): a bad bind, or none at all (`-B ''`).</exception>
    public static IEnumerable<BindSpec> ParseList(string value) =>
        Specs(value) is { Count: > 0 } specs ? specs.Select(Parse)
            : throw new HpcRunException(ExitCode.Usage, $"bad bind '{value}': {Syntax}");

    /// <summary>The binds of a comma list, as Apptainer's ParseBindPath splits it: `\,` is a comma of a path, and a
    /// bind option after a comma (`/a:/b:ro,rw`) belongs to the bind before it when that one has a destination.
    /// </summary>
    internal static List<string> Specs(string list)
    {
        var specs = new List<string>();
        foreach (string item in SplitUnescaped(list, ',').Select(i => i.Trim()).Where(i => i.Length > 0))
        {
            int fields = specs.Count > 0 ? SplitUnescaped(specs[^1], ':').Count : 0;
            if (IsOption(item) && fields >= 2) specs[^1] += (fields == 2 ? ":" : ",") + item;
            else specs.Add(item);
        }
        return specs;
    }

    /// <summary>The source of one of <see cref="Specs"/>, its escapes read.</summary>
    internal static string SourceOf(string spec) => Unescape(SplitUnescaped(spec, ':')[0]);

    public static BindSpec Parse(string value)
    {
        List<string> parts = SplitUnescaped(value, ':');
        if (parts.Count > 3 || parts.Any(p => p.Length == 0))
            throw new HpcRunException(ExitCode.Usage, $"bad bind '{value}': {Syntax}");
        // Apptainer's Readonly(): ro among the options makes the bind read-only, whatever else is there.
        bool readOnly = false;
        foreach (string option in parts.Count == 3 ? parts[2].Split(',') : [])
            readOnly |= option switch
            {
                "ro" => true,
                "rw" => false,
                _ when option.Split('=')[0] is "image-src" or "id" => throw new HpcRunException(ExitCode.Usage,
                    $"bad bind '{value}': {option.Split('=')[0]}: hpcrun binds host paths, not paths inside an image " +
                    "file"),
                _ => throw new HpcRunException(ExitCode.Usage,
                    $"bad bind '{value}': mode must be ro or rw, not '{option}'"),
            };
        string source = Unescape(parts[0]), target = Unescape(parts.Count > 1 ? parts[1] : parts[0]);
        if (!target.StartsWith('/'))
            throw new HpcRunException(ExitCode.Usage, parts.Count > 1
                ? $"bad bind '{value}': the destination must be an absolute path"
                : $"bad bind '{value}': without a destination the source is also the destination, which must be " +
                  "an absolute path");
        target = PathText.Normalize(target);
        if (Refusal(source, target) is { } why)
            throw new HpcRunException(ExitCode.Usage, $"bad bind '{value}': {why}");
        return new BindSpec(source, target, readOnly);
    }

    /// <summary>A word that Apptainer reads as a bind option, not as the next bind's source.</summary>
    private static bool IsOption(string item) =>
        item is "ro" or "rw" || item.StartsWith("image-src=", StringComparison.Ordinal)
        || item.StartsWith("id=", StringComparison.Ordinal);

    /// <summary><paramref name="text"/> cut at each <paramref name="separator"/> that no backslash escapes; the
    /// escapes stay in the pieces, for <see cref="Unescape"/>.</summary>
    private static List<string> SplitUnescaped(string text, char separator)
    {
        var pieces = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == separator && (i == 0 || text[i - 1] != '\\'))
            {
                pieces.Add(text[start..i]);
                start = i + 1;
            }
        pieces.Add(text[start..]);
        return pieces;
    }

    /// <summary>A path with Apptainer's escaped commas and colons (`a\,b`, `c\:d`) read.</summary>
    private static string Unescape(string path) => path.Replace("\\,", ",").Replace("\\:", ":");

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
