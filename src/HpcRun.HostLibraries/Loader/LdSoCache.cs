using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace HpcRun.HostLibraries;

/// <summary>
/// /etc/ld.so.cache, the loader's soname → path table that ldconfig writes, read directly (the
/// host's and the image's alike). Format "glibc-ld.so.cache1.1", optionally behind the old
/// "ld.so-1.7.0" table (glibc's sysdeps/generic/dl-cache.h, ldconfig(8)); only entries for this
/// machine's 64-bit ABI are kept.
/// </summary>
public static class LdSoCache
{
    public const string DefaultPath = "/etc/ld.so.cache";
    private const int HeaderSize = 48, EntrySize = 24, OldHeaderSize = 16, OldEntrySize = 12;
    private static ReadOnlySpan<byte> NewMagic => "glibc-ld.so.cache1.1"u8;
    private static ReadOnlySpan<byte> OldMagic => "ld.so-1.7.0"u8;

    /// <summary>The entries' flags for this process's ABI: FLAG_ELF_LIBC6 with FLAG_X8664_LIB64 or
    /// FLAG_AARCH64_LIB64.</summary>
    public static int NativeFlags => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x0a03 : 0x0303;

    /// <summary>(soname, path) pairs in cache order (the loader takes the first match).</summary>
    /// <exception cref="FormatException">Not an ld.so.cache or a truncated one.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> data, int flags)
    {
        int start = 0;
        if (data.StartsWith(OldMagic))
        {
            int oldCount = (int)U32(data, 12);
            start = (OldHeaderSize + oldCount * OldEntrySize + 7) & ~7;
        }
        if (data.Length < start + HeaderSize || !data[start..].StartsWith(NewMagic))
            throw new FormatException("not a glibc ld.so.cache (format 1.1)");
        var cache = data[start..];
        int count = (int)U32(cache, 20);
        var entries = new List<KeyValuePair<string, string>>(count);
        for (int i = 0; i < count; i++)
        {
            int at = HeaderSize + i * EntrySize;
            if (at + EntrySize > cache.Length) throw new FormatException("truncated ld.so.cache");
            if (BinaryPrimitives.ReadInt32LittleEndian(cache[at..]) != flags) continue;
            entries.Add(KeyValuePair.Create(CString(cache, U32(cache, at + 4)), CString(cache, U32(cache, at + 8))));
        }
        return entries;
    }

    private static uint U32(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt32LittleEndian(d[at..]);

    private static string CString(ReadOnlySpan<byte> d, uint at)
    {
        if (at >= d.Length) throw new FormatException("truncated ld.so.cache");
        ReadOnlySpan<byte> rest = d[(int)at..];
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
