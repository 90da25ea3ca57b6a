namespace HpcRun.Launch.Parts;

/// <summary>
/// What a rank needs from the host (README, "Process model"): /proc, /sys and /dev with
/// everything below them (/dev/shm, /dev/pts), /tmp and /var/tmp shared with the host (Apptainer's
/// defaults; --contain makes them private and empty, --no-mount tmp leaves the image's), and the host's
/// name resolution. There is no network, PID or IPC namespace, so nothing else is needed.
/// </summary>
public sealed class HostSystemPart : ILaunchPart
{
    private static readonly string[] Trees = ["/proc", "/sys", "/dev"];
    private static readonly string[] ResolverFiles = ["/etc/hosts", "/etc/resolv.conf"];
    private const string VarTmp = "/var/tmp";

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        foreach (string tree in Trees) plan.Mount(new MountSpec(MountKind.RecursiveBind, tree, tree));
        LaunchRequest request = context.Request;
        if (request.Contain)
        {
            plan.Mount(MountSpec.Tmpfs("/tmp"));
            plan.Mount(MountSpec.Tmpfs(VarTmp));
        }
        else if (!request.NoMount.Tmp)
        {
            plan.Mount(MountSpec.Bind("/tmp", "/tmp"));
            if (context.Host.ResolvedPaths.GetValueOrDefault(VarTmp) is { } varTmp)
                plan.Mount(MountSpec.Bind(varTmp, VarTmp));
        }
        foreach (string file in ResolverFiles)
            if (context.Host.ResolvedPaths.GetValueOrDefault(file) is { } resolved)
                plan.Mount(MountSpec.Bind(resolved, file, readOnly: true));
    }

    /// <summary>Host files this part reads, for <see cref="HostFactsReader"/>.</summary>
    public static IEnumerable<string> HostPaths => [.. ResolverFiles, VarTmp];
}
