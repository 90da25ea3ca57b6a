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
        GpuPlan gpu;
        try
        {
            gpu = GpuPlanner.Plan(host.Gpu, Selection(context.Request, host.Environment, host.Site), host.Environment,
                new GpuImage(() => context.ImageLibraries.Glibc, context.Tree.Canonical,
                    soname => context.ImageLibraries.Cache.Any(e => e.Key == soname)));
        }
        catch (GpuException e) { throw new HpcRunException(StatusOf(e.Failure), e.Message); }

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

    private static ExitCode StatusOf(GpuFailure failure) => failure switch
    {
        GpuFailure.NotFound => ExitCode.GpuNotFound,
        GpuFailure.DriverBroken => ExitCode.GpuDriverBroken,
        _ => ExitCode.GpuImageIncompatible,
    };

    /// <summary>--gpu (or --nv, --rocm), else HPCRUN_GPU, else the site configuration's gpu, else auto.</summary>
    /// <exception cref="HpcRunException">64 (usage): HPCRUN_GPU is not a selection.</exception>
    public static GpuSelection Selection(LaunchRequest request, IReadOnlyDictionary<string, string> environment,
        SiteConfig site) =>
        request.Gpu ?? SettingWord.FromEnvironment(environment, GpuSelection.EnvironmentVariable, GpuSelection.Parse,
            site.Gpu ?? GpuSelection.Auto);
}
