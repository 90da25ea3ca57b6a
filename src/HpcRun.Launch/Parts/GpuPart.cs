using HpcRun.Gpu;

namespace HpcRun.Launch.Parts;

/// <summary>
/// GPUs (see <see cref="GpuPlanner"/>): device nodes, the driver's libraries and programs, the
/// visibility variables. Comes after the environment so the driver's library directory goes
/// first on the final LD_LIBRARY_PATH, and so that a CUDA_VISIBLE_DEVICES the user set with
/// --env or an env file beats the one --gpu=nvidia:INDICES sets.
/// </summary>
public sealed class GpuPart : ILaunchPart
{
    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        if (Ignored(context.Request) is { } ignored) plan.Warn(ignored);
        GpuPlan gpu = Planned(host.Gpu, Selection(context.Request, host.Environment, host.Site), host.Environment,
            new GpuImage(() => context.ImageLibraries.Glibc, context.Tree.Canonical,
                soname => context.ImageLibraries.Cache.Any(e => e.Key == soname)));

        foreach (GpuMount mount in gpu.Mounts)
            plan.Mount(mount.Kind switch
            {
                GpuMountKind.Hide => MountSpec.Tmpfs(mount.Target),
                GpuMountKind.Blank => MountSpec.File(mount.Target, ""),
                _ => MountSpec.Bind(mount.Source!, mount.Target, mount.ReadOnly),
            });
        if (gpu.LibraryPath is { } dirs) plan.PrependLibraryPath(dirs);
        foreach (var (name, value) in gpu.Environment)
            if (plan.GetEnv(name) is not { } given || given == host.Environment.GetValueOrDefault(name))
                plan.SetEnv(name, value);
        foreach (string warning in gpu.Warnings) plan.Warn(warning);
        foreach (string note in gpu.Notes) plan.Tell(MessageLevel.Debug, note);
    }

    /// <summary>What a launch that chose <paramref name="selection"/> meets on <paramref name="host"/> before it looks
    /// at its image (hpcrun doctor): its warnings.</summary>
    /// <exception cref="HpcRunException">85, 86: the launch stops, in its words.</exception>
    public static IReadOnlyList<string> Check(GpuHost host, Setting<GpuSelection> selection,
        IReadOnlyDictionary<string, string> environment) => Planned(host, selection, environment, null).Warnings;

    /// <summary>The warning for Apptainer's --rocm given with --nv (or their variables), which Apptainer does not apply
    /// either; null without one.</summary>
    public static string? Ignored(LaunchRequest request) => request.GpuIgnored is { } ignored
        ? $"{request.GpuOrigin} and {ignored} cannot be used together: only {request.GpuOrigin} is applied"
        : null;

    /// <exception cref="HpcRunException">85-87, naming a variable or a line of the site configuration that chose the
    /// GPUs.</exception>
    private static GpuPlan Planned(GpuHost host, Setting<GpuSelection> selection,
        IReadOnlyDictionary<string, string> environment, GpuImage? image)
    {
        try { return GpuPlanner.Plan(host, selection.Value, environment, image, selection.Origin); }
        catch (GpuException e) { throw new HpcRunException(StatusOf(e.Failure), e.Message + selection.From); }
    }

    private static ExitCode StatusOf(GpuFailure failure) => failure switch
    {
        GpuFailure.NotFound => ExitCode.GpuNotFound,
        GpuFailure.DriverBroken => ExitCode.GpuDriverBroken,
        _ => ExitCode.GpuImageIncompatible,
    };

    /// <summary>--gpu (or --nv, --rocm; APPTAINER_NV...), else HPCRUN_GPU, else the site configuration's gpu, else
    /// auto.</summary>
    /// <exception cref="HpcRunException">64 (usage): HPCRUN_GPU is not a selection.</exception>
    public static Setting<GpuSelection> Selection(LaunchRequest request,
        IReadOnlyDictionary<string, string> environment, SiteConfig site) =>
        Setting.Choose(request.Gpu is { } given ? new Setting<GpuSelection>(given, request.GpuOrigin ?? "--gpu") : null,
            environment, GpuSelection.EnvironmentVariable, GpuSelection.Parse, site.Given("gpu", site.Gpu),
            GpuSelection.Auto);
}
