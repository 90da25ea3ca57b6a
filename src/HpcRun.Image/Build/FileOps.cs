using System.Runtime.InteropServices;

namespace HpcRun.Image.Build;

/// <summary>File operations .NET lacks or makes follow symlinks; none of them follows a final symlink.</summary>
internal static partial class FileOps
{
    public const UnixFileMode SetIdBits = UnixFileMode.SetUser | UnixFileMode.SetGroup;

    public static bool IsRoot { get; } = GetEffectiveUid() == 0;

    /// <summary>Removes whatever is at <paramref name="path"/> (a symlink itself, not its target).</summary>
    public static void Remove(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null && Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (info.Exists || info.LinkTarget is not null) File.Delete(path);
    }

    public static bool IsRealDirectory(string path) => Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null;

    public static bool IsRegularFile(string path) => File.Exists(path) && new FileInfo(path).LinkTarget is null;

    public static void HardLink(string existing, string link)
    {
        if (Link(existing, link) != 0)
            throw new IOException($"cannot hard-link {link} to {existing}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();
}
