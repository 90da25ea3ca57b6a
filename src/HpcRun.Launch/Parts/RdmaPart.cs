using HpcRun.Rdma;

namespace HpcRun.Launch.Parts;

/// <summary>
/// RDMA devices, rdma_cm and the verbs provider stack (see <see cref="RdmaPlanner"/>). Comes
/// after the environment so the host library directory goes first on the final
/// LD_LIBRARY_PATH, and after the user's binds so a bound /etc/libibverbs.d counts as the image's.
/// </summary>
public sealed class RdmaPart : ILaunchPart
{
    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        Setting<RdmaSelection> selection = Selection(context.Request, host.Environment, host.Site);
        Check(host.Rdma, selection);
        RdmaPlan rdma = RdmaPlanner.Plan(host.Rdma, selection.Value,
            Libraries(context.Request, host.Environment, host.Site), p => plan.IsCovered(p) || context.Tree.Has(p),
            () => context.ImageLibraries.Glibc);

        foreach (RdmaMount mount in rdma.Mounts)
            plan.Mount(mount.Source is null ? MountSpec.Tmpfs(mount.Target)
                : MountSpec.Bind(mount.Source, mount.Target, mount.ReadOnly));
        if (rdma.LibraryPath is { } dir) plan.PrependLibraryPath(dir);
        foreach (string warning in rdma.Warnings) plan.Warn(warning);
    }

    /// <summary>Refuses a selection that names a device <paramref name="host"/> lacks (also hpcrun doctor's check).
    /// </summary>
    /// <exception cref="HpcRunException">74, naming a variable or a line of the site configuration that named it.
    /// </exception>
    public static void Check(RdmaHost host, Setting<RdmaSelection> selection)
    {
        try { RdmaPlanner.CheckNamesExist(host, selection.Value); }
        catch (RdmaDeviceNotFoundException e)
        {
            throw new HpcRunException(ExitCode.RdmaDeviceNotFound, e.Message + selection.From);
        }
    }

    /// <summary>--rdma, else HPCRUN_RDMA (batch scripts export HPCRUN_RDMA=none), else the site configuration's
    /// rdma, else auto.</summary>
    /// <exception cref="HpcRunException">64 (usage): HPCRUN_RDMA is not a selection.</exception>
    public static Setting<RdmaSelection> Selection(LaunchRequest request,
        IReadOnlyDictionary<string, string> environment, SiteConfig site) =>
        Setting.Choose(request.Rdma is { } given ? new Setting<RdmaSelection>(given, "--rdma") : null, environment,
            RdmaSelection.EnvironmentVariable, RdmaSelection.Parse, site.Given("rdma", site.Rdma), RdmaSelection.Auto);

    /// <summary>--rdma-libs, else HPCRUN_RDMA_LIBS, else the site configuration's rdma-libs, else auto.</summary>
    /// <exception cref="HpcRunException">64 (usage): HPCRUN_RDMA_LIBS is not auto, host or image.</exception>
    public static RdmaLibraries Libraries(LaunchRequest request, IReadOnlyDictionary<string, string> environment,
        SiteConfig site) =>
        request.RdmaLibs ?? SettingWord.FromEnvironment(environment, RdmaLibrariesText.EnvironmentVariable,
            RdmaLibrariesText.Parse, site.RdmaLibs ?? RdmaLibraries.Auto);
}
