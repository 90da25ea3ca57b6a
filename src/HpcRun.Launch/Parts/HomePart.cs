namespace HpcRun.Launch.Parts;

/// <summary>
/// The user's home and current directory at the same paths as on the host, so that relative
/// paths in job scripts keep working. The current directory is not bound when it is a system
/// directory that would hide the image's own (/, /usr, /etc ...). As Apptainer's flags say:
/// -H SRC[:DST] binds SRC as the home (at DST, HOME then DST); --contain gives an empty home (a tmpfs)
/// unless -H names one that exists on the host (one that does not is the empty home's place, as Apptainer's session
/// directory stands in for a home source it does not find), and binds no current directory; --no-home and
/// --no-mount home|cwd leave them out.
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
        if (request.Home is { } spec && !(request.Contain && host.ResolvedPaths.GetValueOrDefault(spec.Source) is null))
            plan.Mount(MountSpec.Bind(HomeSource(spec, host), target));
        else if (request.NoMount.Home || target == "/") { }
        else if (request.Contain) plan.Mount(MountSpec.Tmpfs(target));
        else if (!plan.IsCovered(target) && host.ResolvedPaths.GetValueOrDefault(target) is { } home)
            plan.Mount(MountSpec.Bind(home, target));
        if (request.Contain || request.NoMount.Cwd) return;
        if (host.UsableCwd is { } cwd && IsBindable(cwd) && !plan.IsCovered(cwd)) plan.Mount(MountSpec.Bind(cwd, cwd));
    }

    /// <summary>The home's path inside: -H's DST, else its SRC made absolute against the current directory (as a
    /// relative bind source is read, README "Apptainer → hpcrun"), else the user's home.</summary>
    public static string HomeInside(LaunchRequest request, HostFacts host) =>
        request.Home is not { } spec ? host.Home
        : spec.Target ?? (spec.Source.StartsWith('/') ? PathText.Normalize(spec.Source)
            : host.Cwd is { } cwd ? PathText.Normalize($"{cwd}/{spec.Source}")
            : throw new HpcRunException(ExitCode.BindSourceNotFound,
                $"home directory does not exist: {spec.Source} (the current directory was deleted)"));

    /// <summary>-H's SRC, resolved.</summary>
    /// <exception cref="HpcRunException">67 (<see cref="ExitCode.BindSourceNotFound"/>) when it is missing, 76
    /// (<see cref="ExitCode.BindTargetUnusable"/>) when it is a file: HOME would be one.</exception>
    private static string HomeSource(HomeSpec spec, HostFacts host)
    {
        string source = host.ResolvedPaths.GetValueOrDefault(spec.Source)
            ?? throw new HpcRunException(ExitCode.BindSourceNotFound, $"home directory does not exist: {spec.Source}");
        return host.HomeSourceIsDirectory ? source
            : throw new HpcRunException(ExitCode.BindTargetUnusable, $"home is not a directory: {spec.Source}");
    }

    public static bool IsBindable(string cwd) =>
        !SystemDirs.Contains(cwd) && !SystemTrees.Any(t => PathText.IsUnder(cwd, t));
}
