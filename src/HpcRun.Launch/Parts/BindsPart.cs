using HpcRun.Image.Text;

namespace HpcRun.Launch.Parts;

/// <summary>The site's default binds (hpcrun.conf's bind keys, <see cref="SiteConfig"/>), then the user's
/// -B/--bind mounts, after the standard ones so they can override them. A site bind whose source this node
/// lacks is left out, as Apptainer leaves out a missing `bind path` (a site may list /scratch on nodes
/// without one); one the user binds onto the same destination is the user's, one --no-mount names is left
/// out. A user's missing source is
/// an error (67).</summary>
public sealed class BindsPart : ILaunchPart
{
    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        IReadOnlyList<BindSpec> binds = context.Request.Binds;
        foreach (SiteBind site in context.Host.Site.Binds)
            if (!binds.Any(b => b.Target == site.Bind.Target) && context.Request.NoMount.KeepsSiteBind(site.Bind.Target)
                && context.Host.ResolvedPaths.GetValueOrDefault(site.Bind.Source) is { } source)
                plan.Mount(MountSpec.Bind(source, site.Bind.Target, site.Bind.ReadOnly), site.Origin);
        foreach (BindSpec bind in binds)
        {
            string source = context.Host.ResolvedPaths.GetValueOrDefault(bind.Source)
                ?? throw new HpcRunException(ExitCode.BindSourceNotFound,
                    $"bind source does not exist: {Shown.Path(bind.Source)}" +
                    (bind.Origin is { } origin ? $" (from {origin})" : ""));
            plan.Mount(MountSpec.Bind(source, bind.Target, bind.ReadOnly), bind.Origin);
        }
    }
}
