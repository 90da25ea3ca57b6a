using System.IO.MemoryMappedFiles;

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

    /// <summary>The host library at <paramref name="path"/> parsed in place, mapped rather than read: the loader's
    /// tables are a few pages of files that may weigh a hundred megabytes (GPU drivers). Null when it is missing,
    /// unreadable, empty or not a little-endian ELF64 file.</summary>
    public static unsafe ElfFile? ReadElf(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (file.Length is 0 or > int.MaxValue) return null;
            using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: true);
            using MemoryMappedViewAccessor view = map.CreateViewAccessor(0, file.Length, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            try { return ElfFile.TryParse(new ReadOnlySpan<byte>(start + view.PointerOffset, (int)file.Length)); }
            finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }
}
