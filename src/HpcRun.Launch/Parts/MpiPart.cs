using HpcRun.Mpi;

namespace HpcRun.Launch.Parts;

/// <summary>
/// MPI (README, "MPI"): with any mode but none, the directories where the launcher's PMI/PMIx
/// server keeps its rendezvous files are reachable inside; with --mpi=host, the host's MPI and
/// its dependency libraries are bound over the image's after the ABI and glibc checks, and put
/// first on LD_LIBRARY_PATH. Runs after the environment part, so it extends the image's path.
/// </summary>
public sealed class MpiPart : ILaunchPart
{
    /// <summary>Host directories a rank must reach: the PMIx server's (Open MPI's mpirun, Slurm's
    /// mpi/pmix under the slurmd spool) and the session directory's base.</summary>
    public static readonly string[] RendezvousVariables = ["PMIX_SERVER_TMPDIR", "PMIX_SYSTEM_TMPDIR",
        "OMPI_MCA_orte_tmpdir_base", "OMPI_MCA_prte_tmpdir_base", "TMPDIR"];

    /// <summary>Shared-memory settings for a launcher's ranks that each run in their own user
    /// namespace (--no-join; the user's own settings win). Ranks sharing a node's container need
    /// none, and neither does a launch outside any launcher (its MPI ranks, if any, are started
    /// inside the one container).</summary>
    public static readonly KeyValuePair<string, string>[] SeparateNamespaceDefaults =
    [
        // UCX (MPICH's transport) maps a peer's segment through /proc/PID/fd: EACCES across user
        // namespaces. Named /dev/shm segments work at the same speed.
        new("UCX_POSIX_USE_PROC_LINK", "n"),
        // UCX's cma transport (process_vm_readv, for large messages): EPERM across user namespaces.
        new("UCX_TLS", "^cma"),
        // Open MPI 4.1's vader: the kernel refuses CMA across user namespaces, and the fallback it
        // then picks hangs in hpcc's ring tests; copy-in/copy-out through /dev/shm works.
        new("OMPI_MCA_btl_vader_single_copy_mechanism", "none"),
    ];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        IReadOnlyDictionary<string, string> environment = context.Host.Environment;
        Setting<MpiMode> mode = Mode(context.Request, environment, context.Host.Site);
        if (mode.Value == MpiMode.None) return;
        if (!context.NodeShared && LauncherRank.IsLaunched(environment))
            foreach (var (name, value) in SeparateNamespaceDefaults)
                if (plan.GetEnv(name) is null) plan.SetEnv(name, value);
        // Also inside --contain's private /tmp (Open MPI's PMIx server keeps its directory and shared-memory store in
        // /tmp/ompi.HOST.UID), but not at it: a TMPDIR=/tmp does not bring the host's /tmp back.
        foreach (string dir in RendezvousDirectories(environment))
            if ((!plan.IsCovered(dir) || plan.IsInsideTmpfs(dir))
                && context.Host.ResolvedPaths.GetValueOrDefault(dir) is { } resolved)
                plan.Mount(MountSpec.Bind(resolved, dir));
        if (mode.Value == MpiMode.Host)
            Inject(context, plan,
                context.Host.Mpi ?? throw new InvalidOperationException("host MPI facts were not gathered"), mode);
    }

    /// <exception cref="HpcRunException">77: the host's MPI cannot replace the image's, naming the variables or lines
    /// of the site configuration that chose host MPI and its compatibility.</exception>
    private static void Inject(LaunchContext context, PlanBuilder plan, HostMpi host, Setting<MpiMode> mode)
    {
        Setting<MpiCompatibility> level = Compatibility(context.Request, context.Host.Environment, context.Host.Site);
        Check(host, context.Host.Environment, mode, level); // what the host decides, before the image is read
        string? libraryPath = plan.GetEnv("LD_LIBRARY_PATH");
        var image = ImageMpi.Read(context.Tree, context.ImageLibraries,
            (libraryPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        MpiInjection injection = MpiInjection.Plan(host, image, level.Value);
        if (injection.Refusal is { } refusal)
            throw new HpcRunException(ExitCode.MpiIncompatible, Refusal(refusal, mode, level));
        foreach (string warning in injection.Warnings) plan.Warn(warning);
        foreach (LibraryBind bind in injection.Binds)
        {
            plan.Tell(MessageLevel.Debug, $"MPI: host {bind.HostPath} on {bind.Target}");
            plan.Mount(MountSpec.Bind(bind.HostPath, bind.Target, readOnly: true));
        }
        foreach (string path in host.ExtraBinds)
            plan.Mount(MountSpec.Bind(context.Host.ResolvedPaths.GetValueOrDefault(path)
                ?? throw new HpcRunException(ExitCode.BindSourceNotFound,
                    $"{HostMpiReader.BindVariable} names a missing path: {path}"), path, readOnly: true));
        plan.SetEnv("LD_LIBRARY_PATH", libraryPath is { Length: > 0 }
            ? $"{MpiInjection.LibraryDirectory}:{libraryPath}" : MpiInjection.LibraryDirectory);
        int injected = injection.Binds.Count(b => b.Target.StartsWith(MpiInjection.LibraryDirectory));
        plan.Tell(MessageLevel.Information,
            $"MPI: {injected} host libraries injected into {MpiInjection.LibraryDirectory}");
    }

    /// <summary>HPCRUN_MPI_LIBS and HPCRUN_MPI_BIND name host paths, as Sarus' MPI_LIBS does: absolute ones. A
    /// relative one would name another file in each job's working directory (and a bind destination that is no
    /// path inside).</summary>
    /// <exception cref="HpcRunException">64 (usage) for a relative path, naming the variable.</exception>
    public static void CheckAbsolute(IReadOnlyDictionary<string, string> environment)
    {
        foreach (string variable in new[] { HostMpiReader.LibsVariable, HostMpiReader.BindVariable })
            foreach (string path in (environment.GetValueOrDefault(variable) ?? "")
                         .Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (!path.StartsWith('/'))
                    throw new HpcRunException(ExitCode.Usage,
                        $"{variable} must list absolute paths, not '{path}': each job would read it in its own " +
                        "working directory");
    }

    /// <summary>What a launch that chose <paramref name="mode"/> meets on <paramref name="host"/> before it looks at
    /// its image (hpcrun doctor).</summary>
    /// <exception cref="HpcRunException">64: a relative HPCRUN_MPI_LIBS or HPCRUN_MPI_BIND; 77: host MPI where the
    /// host has none; in the launch's words.</exception>
    public static void Check(HostMpi host, IReadOnlyDictionary<string, string> environment, Setting<MpiMode> mode,
        Setting<MpiCompatibility> level)
    {
        if (mode.Value != MpiMode.Host) return;
        CheckAbsolute(environment);
        if (MpiInjection.HostRefusal(host) is { } refusal)
            throw new HpcRunException(ExitCode.MpiIncompatible, Refusal(refusal, mode, level));
    }

    /// <summary>The line of a host MPI <paramref name="refusal"/>, naming where host MPI and its compatibility level
    /// came from when the user did not type them (" (from HPCRUN_MPI, /etc/hpcrun/hpcrun.conf:4)").</summary>
    private static string Refusal(string refusal, Setting<MpiMode> mode, Setting<MpiCompatibility> level)
    {
        string[] origins = [.. new[] { mode.Unseen, level.Unseen }.OfType<string>()];
        return refusal + (origins.Length == 0 ? "" : $" (from {string.Join(", ", origins)})");
    }

    /// <summary>--mpi, else HPCRUN_MPI, else the site configuration's mpi, else container.</summary>
    /// <exception cref="HpcRunException">64 (usage): HPCRUN_MPI is not a mode.</exception>
    public static Setting<MpiMode> Mode(LaunchRequest request, IReadOnlyDictionary<string, string> environment,
        SiteConfig site) =>
        Setting.Choose(request.Mpi is { } given ? new Setting<MpiMode>(given, "--mpi") : null, environment,
            MpiSettings.ModeVariable, MpiSettings.ParseMode, site.Given("mpi", site.Mpi), MpiMode.Container);

    /// <summary>--mpi-compat, else HPCRUN_MPI_COMPAT, else the site configuration's mpi-compat, else major.</summary>
    /// <exception cref="HpcRunException">64 (usage): HPCRUN_MPI_COMPAT is not a level.</exception>
    public static Setting<MpiCompatibility> Compatibility(LaunchRequest request,
        IReadOnlyDictionary<string, string> environment, SiteConfig site) =>
        Setting.Choose(request.MpiCompat is { } given ? new Setting<MpiCompatibility>(given, "--mpi-compat") : null,
            environment, MpiSettings.CompatibilityVariable, MpiSettings.ParseCompatibility,
            site.Given("mpi-compat", site.MpiCompat), MpiCompatibility.Major);

    /// <summary>Host paths this part may bind, for <see cref="HostFactsReader"/> to resolve.</summary>
    public static IEnumerable<string> HostPaths(IReadOnlyDictionary<string, string> environment) =>
        RendezvousDirectories(environment).Concat(HostMpiReader.ExtraBinds(environment));

    /// <remarks>A loop, not a LINQ chain: a Select on a filtered sequence is a generic virtual call, which costs the
    /// launcher NativeAOT's run-time type loader at every start.</remarks>
    private static IEnumerable<string> RendezvousDirectories(IReadOnlyDictionary<string, string> environment)
    {
        var directories = new List<string>();
        foreach (string variable in RendezvousVariables)
            if (environment.GetValueOrDefault(variable) is { } dir && dir.StartsWith('/')
                && PathText.Normalize(dir) is var normalized && !directories.Contains(normalized))
                directories.Add(normalized);
        return directories;
    }
}
