using System.Runtime.InteropServices;

namespace HpcRun.Execution;

/// <summary>realpath(3): the canonical host path, or null when the path does not exist.</summary>
public static partial class RealPath
{
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(nint p);

    public static string? Resolve(string path)
    {
        nint p = realpath(path, 0);
        if (p == 0) return null;
        try { return Marshal.PtrToStringUTF8(p); }
        finally { free(p); }
    }
}
