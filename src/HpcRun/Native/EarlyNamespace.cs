using System.Runtime.InteropServices;
using HpcRun.Group;
using HpcRun.Image.Text;

namespace HpcRun.Native;

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

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_join_key")]
    private static unsafe partial byte* JoinKey();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_no_join")]
    private static partial int NoJoin();

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_image_at")]
    private static partial int ImageAt();

    /// <summary>What early.c's election made of this rank (Native/hpcrun.h: enum hpcrun_group_role).</summary>
    public enum GroupRole
    {
        None = 0,
        First,
        Member,
        Taken,
        Undecided,
    }

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_group_role")]
    private static partial int GroupRoleCode();

    /// <summary>This rank's role as early.c elected it, before the runtime started.</summary>
    public static GroupRole Group => (GroupRole)GroupRoleCode();

    /// <summary>For <see cref="GroupRole.First"/> the group's listening socket, for
    /// <see cref="GroupRole.Member"/> the connection to the first rank; else -1.</summary>
    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_group_fd")]
    public static partial int GroupFd();

    /// <summary>For <see cref="GroupRole.Taken"/>: the uid whose socket holds the group's name, or -1 when
    /// that socket accepts no one.</summary>
    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_group_peer_uid")]
    public static partial int GroupPeerUid();

    /// <summary>--join-key's value among hpcrun's own options as early.c read them, or null; read only
    /// when <see cref="Deferred"/>, before the command line is parsed (<see cref="NodeGroup.Elect"/>).</summary>
    public static unsafe string? JoinKeyOption() =>
        JoinKey() is var key && key is null ? null : RawText.FromNative(key);

    /// <summary>--no-join among hpcrun's own options, likewise.</summary>
    public static bool NoJoinOption() => NoJoin() != 0;

    /// <summary>hpcrun's arguments (argv without argv[0]) up to and including the image, as early.c found the
    /// image, likewise: what names a launcher's node group, without the job's command.</summary>
    public static string[] LaunchArguments(string[] arguments) => arguments[..Math.Min(ImageAt(), arguments.Length)];

    /// <summary>The image argument among <paramref name="arguments"/> (argv without argv[0]) as early.c found it
    /// (after hpcrun's options, whose values it skips); null for a verb that runs no container or a line without
    /// one.</summary>
    public static string? ImageArgument(string[] arguments) =>
        ImageAt() is var at && at >= 1 && at <= arguments.Length ? arguments[at - 1] : null;

    /// <summary>-v (1) or --debug (2) among hpcrun's own options, likewise: the election may log.</summary>
    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_verbosity")]
    public static partial int Verbosity();

    /// <summary>early.c left this process in the host's namespaces: it joins a node's shared container, or
    /// the election is left to the C# side (<see cref="NodeGroup"/>).</summary>
    public static bool Deferred => UnshareErrno() == -1;

    /// <summary>Throws when the kernel refused the namespace (user namespaces disabled).</summary>
    public static void EnsureEntered()
    {
        int errno = UnshareErrno();
        if (errno != 0)
            throw new HpcRunException(ExitCode.NoUserNamespaces,
                $"cannot create a user namespace ({Marshal.GetPInvokeErrorMessage(errno)}): " +
                "unprivileged user namespaces are disabled " +
                "on this host (see /proc/sys/user/max_user_namespaces and sysctl kernel.unprivileged_userns_clone)");
    }

    /// <summary>Be who you are outside, in the namespace early.c entered, for the verbs that run no
    /// container (build, inspect, doctor). Only one's own id can be mapped from inside (mapping
    /// more needs CAP_SETUID in the parent namespace, user_namespaces(7)), so even root sees
    /// other users' files with their permissions: it cannot read their 0600 files.</summary>
    public static void BeYourselfInside()
    {
        if (UnshareErrno() == 0) WriteIdMaps(OuterUid(), OuterGid());
    }

    public static void WriteIdMaps(int insideUid, int insideGid)
    {
        Syscalls.WriteFile("/proc/self/setgroups", "deny");
        Syscalls.WriteFile("/proc/self/uid_map", $"{insideUid} {OuterUid()} 1\n");
        Syscalls.WriteFile("/proc/self/gid_map", $"{insideGid} {OuterGid()} 1\n");
    }
}
