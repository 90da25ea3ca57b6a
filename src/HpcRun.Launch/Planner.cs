using HpcRun.Launch.Parts;

namespace HpcRun.Launch;

/// <summary>Decides the container: each part contributes in turn, later parts may override
/// earlier ones (user binds come after the standard mounts). No I/O of its own: it sees the host
/// through <see cref="HostFacts"/> and the image through <see cref="ImageTree"/> (which the launcher
/// backs with the mounted image), and says what it has to say in <see cref="ContainerPlan.Messages"/>.</summary>
public static class Planner
{
    public static IReadOnlyList<ILaunchPart> StandardParts { get; } =
        [new OverlayPartitionPart(), new HostSystemPart(), new IdentityPart(), new HomePart(), new BindsPart(),
            new EnvironmentPart(), new RdmaPart(), new GpuPart(), new MpiPart(), new CommandPart()];

    public static ContainerPlan Decide(LaunchContext context, IEnumerable<ILaunchPart>? parts = null)
    {
        var plan = new PlanBuilder();
        foreach (ILaunchPart part in parts ?? StandardParts) part.Contribute(context, plan);
        return new ContainerPlan
        {
            Image = context.Image,
            WritableRoot = plan.WritableRoot,
            RootOverlay = plan.WritableRoot || ContainerPlan.TargetsInTheImage(plan.Mounts)
                .Any(m => m.ReplacesLink ? context.Tree.IsLinkOrMissing(m.Target) : !context.Tree.Has(m.Target)),
            Mounts = plan.Mounts,
            MountOrigins = plan.MountOrigins,
            TmpfsSizeMiB = context.Host.Site.SessionDirMaxSize ?? SiteConfig.DefaultSessionDirMaxSize,
            Environment = plan.Environment,
            WorkingDirectory = plan.WorkingDirectory ?? "/",
            Argv = plan.Argv,
            Output = plan.Output,
            JobCommand = plan.JobCommand.Count > 0 ? plan.JobCommand : plan.Argv,
            Ids = plan.Ids ?? throw new InvalidOperationException("no part decided the ids"),
            Messages = plan.Messages,
        };
    }
}
