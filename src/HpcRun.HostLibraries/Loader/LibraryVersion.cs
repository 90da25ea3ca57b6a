namespace HpcRun.HostLibraries;

/// <summary>
/// The version a shared library's file name carries: libmpich.so.12.2.2 is stem "libmpich",
/// version 12.2.2, soname libmpich.so.12. Missing numbers count as zero, as in Sarus.
/// </summary>
public sealed record LibraryVersion(string Stem, IReadOnlyList<int> Numbers)
{
    public int Major => Numbers.Count > 0 ? Numbers[0] : 0;
    public int Minor => Numbers.Count > 1 ? Numbers[1] : 0;
    public int Patch => Numbers.Count > 2 ? Numbers[2] : 0;
    public string Soname => $"{Stem}.so.{Major}";

    /// <summary>"12.2.2", as many numbers as the name had.</summary>
    public override string ToString() => string.Join('.', Numbers);

    /// <summary>Parses a file name (a path's last part is used); null when it is not NAME.so.N[.N...].</summary>
    public static LibraryVersion? FromFileName(string path)
    {
        string name = Path.GetFileName(path);
        int so = name.IndexOf(".so.", StringComparison.Ordinal);
        if (so <= 0) return null;
        var numbers = new List<int>();
        foreach (string part in name[(so + 4)..].Split('.'))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, null, out int n)) return null;
            numbers.Add(n);
        }
        return new LibraryVersion(name[..so], numbers);
    }
}
