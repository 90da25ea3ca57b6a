namespace HpcRun.Launch;

/// <summary>One concern's contribution to a container (host system, identity, home, binds,
/// environment, RDMA, MPI, command), in the spirit of enroot's one hook per concern.</summary>
public interface ILaunchPart
{
    void Contribute(LaunchContext context, PlanBuilder plan);
}
