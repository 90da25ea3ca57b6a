using HpcRun.Mpi;
using HpcRun.Rdma;
using Serilog;

namespace HpcRun.Launch.Parts;

/// <summary>
/// RDMA devices, rdma_cm and the verbs provider stack (see <see cref="RdmaPlanner"/>). Comes
/// after the environment so the host library directory goes first on the final
/// LD_LIBRARY_PATH, and after the user's binds so a bound /etc/libibverbs.d counts as the image's.
/// </summary>
public sealed class RdmaPart : ILaunchPart
{
    /// <summary>Variables that give a task's rank under Slurm, PMI and Open MPI.</summary>
    private static readonly string[] RankVariables = ["SLURM_PROCID", "PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        // The option, else its variable, else the site configuration's default, else the built-in one.
        RdmaSelection selection = context.Request.Rdma ?? Setting(host, RdmaSelection.EnvironmentVariable,
            RdmaSelection.Parse, host.Site.Rdma ?? RdmaSelection.Auto);
        RdmaLibraries libraries = context.Request.RdmaLibs ?? Setting(host, RdmaLibrariesText.EnvironmentVariable,
            RdmaLibrariesText.Parse, host.Site.RdmaLibs ?? RdmaLibraries.Auto);
        RdmaPlan rdma;
        try
        {
            rdma = RdmaPlanner.Plan(host.Rdma, selection, libraries, p => plan.IsCovered(p) || context.Tree.Has(p),
                () => ImageMpi.Read(new ImageFiles(context.Tree), []).Glibc);
        }
        catch (RdmaDeviceNotFoundException e) { throw new HpcRunException(ExitCode.RdmaDeviceNotFound, e.Message); }

        foreach (RdmaMount mount in rdma.Mounts)
            plan.Mount(mount.Source is null ? MountSpec.Tmpfs(mount.Target) : MountSpec.Bind(mount.Source, mount.Target, mount.ReadOnly));
        if (rdma.LibraryPath is { } dir)
            plan.SetEnv("LD_LIBRARY_PATH", plan.GetEnv("LD_LIBRARY_PATH") is { Length: > 0 } path ? $"{dir}:{path}" : dir);
        // Once per job, not once per rank: a 512-rank job would print 512 copies.
        if (IsFirstRank(host.Environment))
            foreach (string warning in rdma.Warnings) Log.Warning("{Warning}", warning);
    }

    /// <summary>A setting from the host environment (batch scripts export HPCRUN_RDMA=none).</summary>
    private static T Setting<T>(HostFacts host, string variable, Func<string, T> parse, T fallback)
    {
        if (host.Environment.GetValueOrDefault(variable) is not { Length: > 0 } value) return fallback;
        try { return parse(value); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.Usage, $"{variable}: {e.Message}"); }
    }

    /// <summary>The image's files for the glibc check host MPI injection uses.</summary>
    private sealed class ImageFiles(ImageTree tree) : ILibraryFiles
    {
        public string? Canonical(string path) => tree.Canonical(path);
        public byte[]? Read(string path) => tree.ReadBytes(path);
    }

    public static bool IsFirstRank(IReadOnlyDictionary<string, string> environment) =>
        RankVariables.All(v => environment.GetValueOrDefault(v) is null or "0");
}
