namespace HpcRun.Launch.Parts;

/// <summary>
/// The user's home and current directory at the same paths as on the host, so that relative
/// paths in job scripts keep working. The current directory is not bound when it is a system
/// directory that would hide the image's own (/, /usr, /etc ...). As Apptainer's flags say:
/// -H SRC[:DST] binds SRC as the home (at DST, HOME then DST); --contain gives an empty home (a tmpfs)
/// unless -H names one, and binds no current directory; --no-home and --no-mount home|cwd leave them out.
/// </summary>
public sealed class HomePart : ILaunchPart
{
    private static readonly string[] SystemTrees = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
        "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr"];
    private static readonly string[] SystemDirs = ["/", "/home", "/opt", "/var", "/srv", "/mnt", "/media"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        LaunchRequest request = context.Request;
        string target = HomeInside(request, host);
        if (request.Home is { } spec)
            plan.Mount(MountSpec.Bind(host.ResolvedPaths.GetValueOrDefault(spec.Source)
                ?? throw new HpcRunException(ExitCode.BindSourceNotFound,
                    $"home directory does not exist: {spec.Source}"),
                target));
        else if (request.NoMount.Home || target == "/") { }
        else if (request.Contain) plan.Mount(MountSpec.Tmpfs(target));
        else if (!plan.IsCovered(target) && host.ResolvedPaths.GetValueOrDefault(target) is { } home)
            plan.Mount(MountSpec.Bind(home, target));
        if (request.Contain || request.NoMount.Cwd) return;
        if (host.UsableCwd is { } cwd && IsBindable(cwd) && !plan.IsCovered(cwd)) plan.Mount(MountSpec.Bind(cwd, cwd));
    }

    /// <summary>The home's path inside: -H's DST, else the user's home.</summary>
    public static string HomeInside(LaunchRequest request, HostFacts host) => request.Home?.Target ?? host.Home;

    public static bool IsBindable(string cwd) =>
        !SystemDirs.Contains(cwd) && !SystemTrees.Any(t => PathText.IsUnder(cwd, t));
}
