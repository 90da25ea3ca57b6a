using HpcRun.Image.Text;

namespace HpcRun.Launch.Parts;

/// <summary>
/// The user's home and current directory at the same paths as on the host, so that relative
/// paths in job scripts keep working. Neither is bound when it is a system directory that would hide the image's
/// own (/, /usr, /etc ...: <see cref="IsBindable"/>, Apptainer's rule for the current directory).
/// As Apptainer's flags say:
/// -H SRC[:DST] binds SRC as the home (at DST, HOME then DST); --contain gives an empty home (a tmpfs)
/// unless -H names one that exists on the host (one that does not is the empty home's place, as Apptainer's session
/// directory stands in for a home source it does not find), and binds no current directory; --no-home and
/// --no-mount home|cwd leave them out.
/// With --fakeroot the job is root, whose home is /root: the user's home is bound there and HOME is /root
/// (<see cref="HomeInside"/>), as Apptainer's getHomePaths does for a root-mapped namespace; the current directory,
/// also one inside the home, is still bound at its own path, and -H's DST still wins.
/// </summary>
public sealed class HomePart : ILaunchPart
{
    /// <summary>Root's home: where the user's home is under --fakeroot.</summary>
    public const string RootHome = "/root";

    private static readonly string[] SystemTrees = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
        "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr"];
    private static readonly string[] SystemDirs = ["/", "/home", "/opt", "/var", "/srv", "/mnt", "/media"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        LaunchRequest request = context.Request;
        string target = HomeInside(request, host);
        if (request.Home is { } spec && !(request.Contain && host.ResolvedPaths.GetValueOrDefault(spec.Source) is null))
        {
            var home = new Setting<HomeSpec>(spec, request.HomeOrigin);
            plan.Mount(MountSpec.Bind(HomeSource(home, host), target), home.Unseen);
        }
        else if (request.NoMount.Home || target == "/") { }
        else if (request.Contain) plan.Mount(MountSpec.Tmpfs(target));
        // nobody's home (/), or a system directory (HOME=/usr, /etc): bound, it would hide the image's own, so the
        // image's stays, as for the current directory (at /root under --fakeroot neither is a home to bring)
        else if (!IsBindable(host.Home)) { }
        else if (!plan.IsCovered(target) && host.ResolvedPaths.GetValueOrDefault(host.Home) is { } home)
            plan.Mount(MountSpec.Bind(home, target));
        if (request.Contain || request.NoMount.Cwd) return;
        if (host.UsableCwd is { } cwd && IsBindable(cwd) && !plan.IsCovered(cwd)) plan.Mount(MountSpec.Bind(cwd, cwd));
    }

    /// <summary>The home's path inside: -H's DST, else its SRC made absolute against the current directory (as a
    /// relative bind source is read, README "Apptainer → hpcrun"), else /root with --fakeroot, else the user's
    /// home.</summary>
    public static string HomeInside(LaunchRequest request, HostFacts host) =>
        request.Home is not { } spec ? (request.FakeRoot ? RootHome : host.Home)
        : spec.Target ?? (spec.Source.StartsWith('/') ? PathText.Normalize(spec.Source)
            : host.Cwd is { } cwd ? PathText.Normalize($"{cwd}/{spec.Source}")
            : throw new HpcRunException(ExitCode.BindSourceNotFound,
                $"home directory does not exist: {Shown.Path(spec.Source)} (the current directory was deleted)"));

    /// <summary>The HOME the job gets in place of the caller's: <see cref="HomeInside"/> when -H or --fakeroot moves
    /// the home (Apptainer sets HOME to the home's destination), also under --no-home; the account's home, where the
    /// home is bound (<see cref="HostFacts.Home"/>), for a relative HOME, which names no place (Apptainer takes the
    /// home from the account); null: the caller's HOME stands.</summary>
    public static string? HomeVariable(LaunchRequest request, HostFacts host) =>
        request.Home is not null || request.FakeRoot ? HomeInside(request, host)
        : host.Environment.GetValueOrDefault("HOME") is { Length: > 0 } caller && !caller.StartsWith('/') ? host.Home
        : null;

    /// <summary>-H's SRC, resolved.</summary>
    /// <exception cref="HpcRunException">67 (<see cref="ExitCode.BindSourceNotFound"/>) when it is missing, 76
    /// (<see cref="ExitCode.BindTargetUnusable"/>) when it is a file: HOME would be one; naming the variable that gave
    /// it (APPTAINER_HOME).</exception>
    private static string HomeSource(Setting<HomeSpec> home, HostFacts host)
    {
        string given = home.Value.Source;
        string source = host.ResolvedPaths.GetValueOrDefault(given)
            ?? throw new HpcRunException(ExitCode.BindSourceNotFound,
                $"home directory does not exist: {Shown.Path(given)}{home.From}");
        return host.HomeSourceIsDirectory ? source
            : throw new HpcRunException(ExitCode.BindTargetUnusable, $"home is not a directory: {given}{home.From}");
    }

    /// <summary>Whether the host's <paramref name="directory"/> (the current directory, the caller's home) may be
    /// bound at its own path: not a system directory or one below a system tree, whose image's own it would hide
    /// (Apptainer's addCwdMount skips /, /etc, /usr... and what is below /proc, /sys, /dev).</summary>
    public static bool IsBindable(string directory) =>
        !SystemDirs.Contains(directory) && !SystemTrees.Any(t => PathText.IsUnder(directory, t));
}
