namespace HpcRun.Launch;

/// <summary>One concern's contribution to a container (image, host system, identity, home,
/// binds, environment, Slurm, MPI, RDMA), in the spirit of enroot's one hook per concern.</summary>
public interface ILaunchPart
{
    void Contribute(LaunchContext context, PlanBuilder plan);
}
