using System.Text;
using System.Text.RegularExpressions;

namespace HpcRun.Rdma;

/// <summary>
/// glibc symbol versions in a binary's dynamic string table: in a library, the GLIBC_x.y it
/// needs; in libc.so.6, those it provides. A host library runs inside an image only when the
/// image's libc provides the highest version the library needs.
/// </summary>
public static partial class GlibcVersions
{
    /// <summary>Where images keep libc.so.6 (Debian/Ubuntu multiarch, then RHEL/SUSE).</summary>
    public static readonly string[] LibcPaths =
    [
        "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6",
        "/usr/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib64/libc.so.6", "/lib/libc.so.6", "/usr/lib/libc.so.6",
    ];

    [GeneratedRegex(@"GLIBC_(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();

    /// <summary>The highest GLIBC_x.y named in <paramref name="text"/> (a binary read as text), or null.</summary>
    public static Version? Highest(string text) =>
        VersionPattern().Matches(text).Select(m => new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value))).Max();

    public static Version? Highest(ReadOnlySpan<byte> binary) => Highest(Encoding.Latin1.GetString(binary));
}
