namespace HpcRun.Launch.Parts;

/// <summary>The user's -B/--bind mounts, after the standard ones so they can override them.</summary>
public sealed class BindsPart : ILaunchPart
{
    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        foreach (BindSpec bind in context.Request.Binds)
        {
            string source = context.Host.ResolvedPaths.GetValueOrDefault(bind.Source)
                ?? throw new HpcRunException(ExitCode.BindSourceNotFound, $"bind source does not exist: {bind.Source}");
            plan.Mount(MountSpec.Bind(source, bind.Target, bind.ReadOnly));
        }
    }
}
