namespace HpcRun.Slurm;

/// <summary>
/// Reads a small text file the user named (token file, settings file) and says why it could not,
/// in hpcrun's own words: .NET's exception messages never reach the user.
/// </summary>
public static class ReadableFile
{
    /// <summary>The whole file as UTF-8 text, or null with <paramref name="problem"/> set to a few words
    /// ("no such file", "permission denied", "is a directory", "read error").</summary>
    public static string? TryReadText(string path, out string problem)
    {
        problem = "";
        if (Directory.Exists(path)) { problem = "is a directory"; return null; } // .NET reports EISDIR as access denied
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                PathTooLongException => "path too long",
                _ => "read error",
            };
            return null;
        }
    }
}
