namespace HpcRun.Launch.Parts;

/// <summary>
/// What a rank needs from the host (README, "Process model"): /proc, /sys and /dev with
/// everything below them (/dev/shm, /dev/pts), /tmp and /var/tmp shared with the host (Apptainer's
/// defaults; --contain makes them private and empty, --no-mount tmp leaves the image's), and the host's
/// name resolution and time zone. There is no network, PID or IPC namespace, so nothing else is needed. Under --contain
/// /dev is minimal, as Apptainer's: a tmpfs with the host's null, zero, full, random, urandom, tty, ptmx, its
/// /dev/pts and /dev/shm (the terminal, and the shared memory of MPI ranks), and the /dev/fd links; the RDMA
/// and GPU parts bind their devices into it.
/// </summary>
public sealed class HostSystemPart : ILaunchPart
{
    private static readonly string[] Trees = ["/proc", "/sys"];
    private static readonly string[] MinimalDevices =
        ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx"];
    private static readonly (string Link, string PointsTo)[] MinimalDevLinks =
        [("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "fd/0"), ("/dev/stdout", "fd/1"), ("/dev/stderr", "fd/2")];
    /// <summary>The host's name resolution and time zone, as Apptainer binds them (its apptainer.conf's `bind path`
    /// list and `config resolv_conf`); --no-mount leaves each out by its path and all of them for `bind-paths`, as
    /// Apptainer's skip list does (container_linux.go: addBindsMount, addResolvConfMount), so the image's stays.
    /// </summary>
    private static readonly string[] HostFiles = ["/etc/hosts", "/etc/resolv.conf", "/etc/localtime"];
    private const string VarTmp = "/var/tmp";

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        foreach (string tree in Trees) plan.Mount(MountSpec.SystemBind(tree, tree));
        LaunchRequest request = context.Request;
        if (request.Contain)
        {
            MinimalDev(plan);
            plan.Mount(MountSpec.SystemTmpfs("/tmp"));
            plan.Mount(MountSpec.SystemTmpfs(VarTmp));
        }
        else
        {
            plan.Mount(MountSpec.SystemBind("/dev", "/dev"));
            if (!request.NoMount.Tmp)
            {
                plan.Mount(MountSpec.SystemBind("/tmp", "/tmp"));
                if (context.Host.ResolvedPaths.GetValueOrDefault(VarTmp) is { } varTmp)
                    plan.Mount(MountSpec.SystemBind(varTmp, VarTmp));
            }
        }
        foreach (string file in HostFiles)
            if (request.NoMount.KeepsSiteBind(file)
                && context.Host.ResolvedPaths.GetValueOrDefault(file) is { } resolved)
                plan.Mount(MountSpec.SystemBind(resolved, file, readOnly: true));
    }

    private static void MinimalDev(PlanBuilder plan)
    {
        plan.Mount(MountSpec.SystemTmpfs("/dev"));
        foreach (string device in MinimalDevices) plan.Mount(MountSpec.Bind(device, device));
        plan.Mount(MountSpec.Bind("/dev/pts", "/dev/pts"));
        plan.Mount(MountSpec.Bind("/dev/shm", "/dev/shm"));
        foreach (var (link, pointsTo) in MinimalDevLinks) plan.Mount(MountSpec.Symlink(link, pointsTo));
    }

    /// <summary>Host files this part reads, for <see cref="HostFactsReader"/>.</summary>
    public static IEnumerable<string> HostPaths => [.. HostFiles, VarTmp];
}
