namespace HpcRun.Launch.Parts;

/// <summary>
/// The user's home and current directory at the same paths as on the host, so that relative
/// paths in job scripts keep working. The current directory is not bound when it is a system
/// directory that would hide the image's own (/, /usr, /etc ...).
/// </summary>
public sealed class HomePart : ILaunchPart
{
    private static readonly string[] SystemTrees = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
        "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr"];
    private static readonly string[] SystemDirs = ["/", "/home", "/opt", "/var", "/srv", "/mnt", "/media"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        if (host.Home != "/" && !plan.IsCovered(host.Home)
            && host.ResolvedPaths.GetValueOrDefault(host.Home) is { } home)
            plan.Mount(MountSpec.Bind(home, host.Home));
        if (host.Cwd is { } cwd && IsBindable(cwd) && !plan.IsCovered(cwd)) plan.Mount(MountSpec.Bind(cwd, cwd));
    }

    public static bool IsBindable(string cwd) =>
        !SystemDirs.Contains(cwd) && !SystemTrees.Any(t => PathText.IsUnder(cwd, t));
}
