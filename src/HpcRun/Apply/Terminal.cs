using System.Runtime.InteropServices;

namespace HpcRun.Apply;

/// <summary>hpcrun's controlling terminal, if any (tcgetpgrp(3)).</summary>
internal static partial class Terminal
{
    [LibraryImport("libc", EntryPoint = "tcgetpgrp")]
    private static partial int tcgetpgrp(int fd);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    private static partial int getpgrp();

    /// <summary>Whether hpcrun's process group is the foreground group of the terminal on its stdin,
    /// stdout or stderr: then the terminal's signals reach every process of the group.</summary>
    public static bool IsForeground()
    {
        int group = getpgrp();
        return new[] { 0, 1, 2 }.Any(fd => tcgetpgrp(fd) == group);
    }
}
