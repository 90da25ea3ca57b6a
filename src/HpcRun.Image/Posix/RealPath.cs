using System.Runtime.InteropServices;
using HpcRun.Image.Text;

namespace HpcRun.Image.Posix;

/// <summary>realpath(3): the canonical host path, or null when the path does not exist. Paths are
/// bytes (<see cref="RawText"/>).</summary>
public static unsafe partial class RealPath
{
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial byte* realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(byte* p);

    public static string? Resolve(string path)
    {
        byte* p = realpath(path, 0);
        if (p is null) return null;
        try { return RawText.FromNative(p); }
        finally { free(p); }
    }
}
