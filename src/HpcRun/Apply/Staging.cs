using HpcRun.Launch;
using HpcRun.Native;
namespace HpcRun.Apply;

/// <summary>
/// hpcrun's scratch space: a tmpfs mounted over /tmp in hpcrun's private mount namespace, so
/// it exists for no one else and vanishes with the namespace, whatever kills hpcrun. The
/// host's /tmp stays reachable at <see cref="HostTmp"/>.
/// </summary>
internal sealed class Staging
{
    public const string Dir = "/tmp";
    public const string HostTmp = "/tmp/host";
    public const string Lower = "/tmp/lower";
    /// <summary>The root overlay's writable layer: a tmpfs of its own, capped (<see cref="MountWritableLayer"/>).
    /// </summary>
    public const string Writable = "/tmp/rw";
    public const string Upper = "/tmp/rw/upper";
    public const string Work = "/tmp/rw/work";
    public const string Root = "/tmp/root";
    public const string Files = "/tmp/files";
    private int fileCount;

    public static Staging Create()
    {
        // Nothing we mount may propagate back to the host.
        Syscalls.Mount(null, "/", null, Syscalls.MS_REC | Syscalls.MS_SLAVE);
        int hostTmp = Syscalls.CloneTree(Dir); // taken before the tmpfs hides it
        try
        {
            Syscalls.Mount("hpcrun", Dir, "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=0700");
            foreach (string dir in new[] { HostTmp, Lower, Writable, Root, Files }) Directory.CreateDirectory(dir);
            Syscalls.AttachTree(hostTmp, HostTmp);
        }
        finally { Syscalls.Close(hostTmp); }
        return new Staging();
    }

    /// <summary>Puts up the root overlay's writable layer (<see cref="Upper"/>, <see cref="Work"/>) in a tmpfs of the
    /// size the plan allows (<see cref="ContainerPlan.TmpfsSizeMiB"/>, as Apptainer caps its session directory): what
    /// --writable-tmpfs lets the job write, and the mount points the image lacks.</summary>
    public static void MountWritableLayer(ContainerPlan plan)
    {
        Syscalls.Mount("hpcrun", Writable, "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, plan.TmpfsOptions("0700"));
        Directory.CreateDirectory(Upper);
        Directory.CreateDirectory(Work);
    }

    /// <summary>Takes the staging area off /tmp again, with everything mounted in it (the image, the container's
    /// root and binds): the host's /tmp is back, a SquashFS image's FUSE connection ends once nothing holds its
    /// mount, and <see cref="Create"/> may start over.</summary>
    public static void Remove() => Syscalls.Unmount(Dir, Syscalls.MNT_DETACH);

    /// <summary>Where a host path is reachable now that /tmp is covered.</summary>
    public static string HostPath(string path) =>
        path == Dir || path.StartsWith(Dir + "/", StringComparison.Ordinal) ? HostTmp + path[Dir.Length..] : path;

    /// <summary>Writes a file that will be bound into the container, returns its path.</summary>
    public string WriteFile(string content)
    {
        string path = $"{Files}/{fileCount++}";
        Syscalls.WriteFile(path, content);
        return path;
    }
}
