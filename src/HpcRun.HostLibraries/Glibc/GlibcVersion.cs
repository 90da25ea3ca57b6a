namespace HpcRun.HostLibraries;

/// <summary>A glibc symbol version, GLIBC_2.34 = (2, 34).</summary>
public readonly record struct GlibcVersion(int Major, int Minor) : IComparable<GlibcVersion>
{
    private const string Prefix = "GLIBC_";

    public int CompareTo(GlibcVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);
    public static bool operator <(GlibcVersion a, GlibcVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(GlibcVersion a, GlibcVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(GlibcVersion a, GlibcVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(GlibcVersion a, GlibcVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}";

    /// <summary>Parses GLIBC_2.34 or GLIBC_2.2.5 (the third number does not matter here); null for other
    /// names (GLIBC_PRIVATE).</summary>
    public static GlibcVersion? Parse(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        string[] parts = name[Prefix.Length..].Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], out int major) && int.TryParse(parts[1], out int minor)
            ? new GlibcVersion(major, minor) : null;
    }

    /// <summary>The highest GLIBC_x.y among <paramref name="names"/>, or null.</summary>
    public static GlibcVersion? Max(IEnumerable<string> names) =>
        names.Select(Parse).Where(v => v is not null).Max();
}
