namespace HpcRun.Launch.Parts;

/// <summary>
/// What a rank needs from the host (README, "Process model"): /proc, /sys and /dev with
/// everything below them (/dev/shm, /dev/pts), /tmp shared with the host, and the host's
/// name resolution. There is no network, PID or IPC namespace, so nothing else is needed.
/// </summary>
public sealed class HostSystemPart : ILaunchPart
{
    private static readonly string[] Trees = ["/proc", "/sys", "/dev"];
    private static readonly string[] ResolverFiles = ["/etc/hosts", "/etc/resolv.conf"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        foreach (string tree in Trees) plan.Mount(new MountSpec(MountKind.RecursiveBind, tree, tree));
        plan.Mount(MountSpec.Bind("/tmp", "/tmp"));
        foreach (string file in ResolverFiles)
            if (context.Host.ResolvedPaths.GetValueOrDefault(file) is { } resolved)
                plan.Mount(MountSpec.Bind(resolved, file, readOnly: true));
    }

    /// <summary>Host files this part reads, for <see cref="HostFactsReader"/>.</summary>
    public static IEnumerable<string> HostPaths => ResolverFiles;
}
