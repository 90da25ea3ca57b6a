using HpcRun.TestSupport;

namespace HpcRun.Mpi.Tests.Integration;

/// <summary>
/// MPI jobs launched by Slurm's srun on the live two-node test cluster: the ranks' PMI (PMIx for
/// Open MPI, PMI2 for MPICH) comes from slurmstepd, and the ranks of a step on one node share
/// one container. The programs are copied to the jobs' directory (srun's working directory,
/// which hpcrun binds), the same path on both nodes.
/// </summary>
[Collection("cluster")]
public class SrunMpiTests(LocalCluster cluster)
{
    private static readonly Lazy<string> programs = new(() =>
    {
        string dir = Path.Combine(LocalCluster.JobsDir, $"ring-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        foreach (string program in new[] { MpiImages.OpenMpiRing, MpiImages.MpichRing })
            File.Copy(program, Path.Combine(dir, Path.GetFileName(program)));
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
        return dir;
    });

    private static string Program(string ring) => Path.Combine(programs.Value, Path.GetFileName(ring));

    private static CommandResult Srun(params string[] args) => LocalCluster.AsUser(["srun", .. args]);

    [Fact]
    public void OpenMpiRanksUnderSrunPmixShareTheNodesContainer() =>
        Ring.AssertRan(Srun("--mpi=pmix", "-N1", "-n2", Hpcrun.Binary, MpiImages.OpenMpi,
                Program(MpiImages.OpenMpiRing)),
            "/lib/x86_64-linux-gnu/libmpi.so.40", sharedContainer: true);

    [Fact]
    public void OpenMpiRanksUnderSrunPmixAcrossTwoNodes() =>
        Ring.AssertRan(Srun("--mpi=pmix", "-N2", "-n4", Hpcrun.Binary, MpiImages.OpenMpi,
                Program(MpiImages.OpenMpiRing)),
            "/lib/x86_64-linux-gnu/libmpi.so.40", sharedContainer: true, size: 4, nodes: 2);

    /// <summary>srun's MPMD form, each task's command from a file: the ranks share the node's container (each had
    /// one of its own, where MPICH's UCX failed at MPI_Init with "Shared memory error").</summary>
    [Fact]
    public void MpmdRanksUnderSrunMultiProgShareTheNodesContainer()
    {
        string ring = Program(MpiImages.MpichRing), conf = Path.Combine(programs.Value, $"{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, $"0 {Hpcrun.Binary} {MpiImages.Mpich} {ring}\n" +
            $"1 {Hpcrun.Binary} {MpiImages.Mpich} {ring} second\n");
        File.SetUnixFileMode(conf, (UnixFileMode)0b110_100_100);
        Ring.AssertRan(Srun("--mpi=pmi2", "-N1", "-n2", "--multi-prog", conf), "/lib/x86_64-linux-gnu/libmpich.so.12",
            sharedContainer: true);
    }

    /// <summary>hpcrun submit writes the job's srun itself: it takes its MPI plugin from SLURM_MPI_TYPE in the job's
    /// environment (the test cluster's MpiDefault is none), as README "Slurm" says.</summary>
    [Fact]
    public void SubmitsSrunTakesItsMpiPluginFromSlurmMpiType()
    {
        string output = Path.Combine(LocalCluster.JobsDir, $"mpi-type-{Guid.NewGuid():N}.out");
        string[] settings = [.. cluster.UserEnvironment().Select(e => $"{e.Key}={e.Value}")];
        CommandResult submit = LocalCluster.AsUser(["env", .. settings, "SLURM_MPI_TYPE=pmix", Hpcrun.Binary, "submit",
            "--wait", "-N2", "-n4", "-o", output, MpiImages.OpenMpi, Program(MpiImages.OpenMpiRing)]);
        Assert.True(submit.ExitCode == 0, submit.ToString());
        Ring.AssertRan(new CommandResult(0, File.ReadAllText(output), ""), "/lib/x86_64-linux-gnu/libmpi.so.40",
            sharedContainer: true, size: 4, nodes: 2);
    }

    /// <summary>Debian's MPICH speaks Slurm's PMI2 (PMI_FD from slurmstepd): srun --mpi=pmi2 runs it, with the
    /// host's MPICH injected.</summary>
    [Fact]
    public void HostMpichInjectedUnderSrunPmi2() =>
        Ring.AssertRan(Srun("--mpi=pmi2", "-N1", "-n2", Hpcrun.Binary, "--mpi=host", MpiImages.Mpich,
                Program(MpiImages.MpichRing)),
            "/.hpcrun/mpi/lib/libmpich.so.12", sharedContainer: true);
}
