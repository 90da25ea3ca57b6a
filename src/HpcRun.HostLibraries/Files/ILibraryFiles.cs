namespace HpcRun.HostLibraries;

/// <summary>Reads library files where they live: on the host, or inside the image (where a
/// symlink resolves inside the image).</summary>
public interface ILibraryFiles
{
    /// <summary>The path with every symlink resolved, or null when it does not exist.</summary>
    string? Canonical(string path);

    /// <summary>The whole file, or null when it is missing or unreadable.</summary>
    byte[]? Read(string path);
}

/// <summary>The host's files, read directly.</summary>
public sealed class HostLibraryFiles : ILibraryFiles
{
    public static readonly HostLibraryFiles Instance = new();

    public string? Canonical(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            return info.LinkTarget is null
                ? Path.GetFullPath(path) : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public byte[]? Read(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
