using System.Runtime.InteropServices;

namespace HpcRun.Execution;

/// <summary>
/// The user + mount namespace that Native/early.c entered before the runtime started. Its id
/// maps are written here, once the command line has said whether the user is root inside.
/// </summary>
internal static partial class EarlyNamespace
{
    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_unshare_errno")]
    internal static partial int UnshareErrno();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_outer_uid")]
    public static partial int OuterUid();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_outer_gid")]
    public static partial int OuterGid();

    /// <summary>early.c left this process in the host's namespaces, so that it may join a node's
    /// shared container (<see cref="NodeGroup"/>).</summary>
    public static bool Deferred => UnshareErrno() == -1;

    /// <summary>Throws when the kernel refused the namespace (user namespaces disabled).</summary>
    public static void EnsureEntered()
    {
        int errno = UnshareErrno();
        if (errno != 0)
            throw new HpcRunException(ExitCode.NoUserNamespaces,
                $"cannot create a user namespace ({Marshal.GetPInvokeErrorMessage(errno)}): unprivileged user namespaces are disabled " +
                "on this host (see /proc/sys/user/max_user_namespaces and sysctl kernel.unprivileged_userns_clone)");
    }

    /// <summary>Be who you are outside, in the namespace early.c entered, for the verbs that run no
    /// container (build, inspect, doctor). Root maps every id onto itself (a one-id map would
    /// leave other users' files unreadable to it: a root build of their 0600 files failed);
    /// anyone else maps their own.</summary>
    public static void BeYourselfInside()
    {
        if (UnshareErrno() != 0) return;
        if (OuterUid() != 0)
        {
            WriteIdMaps(OuterUid(), OuterGid());
            return;
        }
        File.WriteAllText("/proc/self/uid_map", "0 0 4294967295\n");
        File.WriteAllText("/proc/self/gid_map", "0 0 4294967295\n");
    }

    public static void WriteIdMaps(int insideUid, int insideGid)
    {
        File.WriteAllText("/proc/self/setgroups", "deny");
        File.WriteAllText("/proc/self/uid_map", $"{insideUid} {OuterUid()} 1\n");
        File.WriteAllText("/proc/self/gid_map", $"{insideGid} {OuterGid()} 1\n");
    }
}
