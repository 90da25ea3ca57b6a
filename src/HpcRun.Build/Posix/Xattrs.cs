using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Build.Posix;

/// <summary>Whether a file has extended attributes, as mksquashfs asks (llistxattr(2), whose list names the ones this
/// process may see: user.*, security.*, trusted.* for root, system.* ACLs). A file system that keeps none, or refuses
/// the call (ENOTSUP), has none, as mksquashfs takes it.</summary>
internal static unsafe partial class Xattrs
{
    /// <summary>The file open at <paramref name="fd"/> (not an O_PATH descriptor).</summary>
    public static bool Any(SafeFileHandle fd) => FListXattr(fd, null, 0) > 0;

    /// <summary><paramref name="name"/> in the directory open at <paramref name="dir"/>, itself (a symlink: no
    /// descriptor opens one for flistxattr, and no listxattrat exists before Linux 6.13).</summary>
    public static bool Any(SafeFileHandle dir, string name) =>
        LListXattr($"/proc/self/fd/{dir.DangerousGetHandle()}/{name}", null, 0) > 0;

    [LibraryImport("libc", EntryPoint = "flistxattr", SetLastError = true)]
    private static partial nint FListXattr(SafeFileHandle fd, byte* list, nuint size);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true)]
    private static partial nint LListXattr([MarshalUsing(typeof(RawText.Marshaller))] string path, byte* list,
        nuint size);
}
