using System.Runtime.InteropServices;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Extended attributes set on test trees: a directory source that has one is made by mksquashfs (hpcrun's
/// own writer cannot store them), so a test of mksquashfs's part in a build gives its tree one.</summary>
public static class Xattr
{
    /// <summary>Sets user.test on <paramref name="path"/> (symlinks followed); fails the test when it cannot.
    /// </summary>
    public static void Set(string path) =>
        Xunit.Assert.True(SetXattr(path, "user.test", "v"u8.ToArray(), 1, 0) == 0, $"setxattr {path}");

    [DllImport("libc", EntryPoint = "setxattr")]
    private static extern int SetXattr(string path, string name, byte[] value, nuint size, int flags);
}
