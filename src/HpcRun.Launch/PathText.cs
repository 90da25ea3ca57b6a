namespace HpcRun.Launch;

/// <summary>Lexical path helpers for paths inside the container (no file system access).</summary>
public static class PathText
{
    /// <summary>"/a//b/./c/" becomes "/a/b/c"; ".." is resolved lexically and cannot climb above "/".</summary>
    public static string Normalize(string absolute)
    {
        var parts = new List<string>();
        foreach (string part in absolute.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="dir"/> or lies below it.</summary>
    public static bool IsUnder(string path, string dir) =>
        dir == "/" || path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);
}
