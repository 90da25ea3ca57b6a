using HpcRun.TestSupport;

namespace HpcRun.Mpi.Tests.Integration;

/// <summary>Real MPI jobs: host launchers starting ranks in hpcrun containers, as the unprivileged test user.</summary>
// Runs in the "cluster" collection although it uses no Slurm: the collection holds the machine's cluster lock, so
// no other test project brings the test cluster up or down meanwhile, which adds and deletes network interfaces
// (a bridge, veth pairs) that MPICH's UCX and Open MPI enumerate at MPI_Init ("init_worker No such device").
[Collection("cluster")]
public class MpiRunTests
{
    private static string Hpcrun => TestSupport.Hpcrun.Binary;

    [Fact]
    public void OpenMpiImageRunsUnderHostMpirun() =>
        Ring.AssertRan(MpiImages.AsTestUser(["mpirun.openmpi", "-np", "2", "--oversubscribe", Hpcrun,
                MpiImages.OpenMpi, MpiImages.OpenMpiRing]),
            "/lib/x86_64-linux-gnu/libmpi.so.40", sharedContainer: true);

    /// <summary>--contain's private /tmp hid mpirun's PMIx server directory (/tmp/ompi.HOST.UID): each rank said
    /// "PMIX ERROR: ERROR in file ...gds_ds12_lock_pthread.c". It is bound inside the private /tmp.</summary>
    [Fact]
    public void OpenMpiRanksUnderContainReachThePmixServer()
    {
        CommandResult run = MpiImages.AsTestUser(["mpirun.openmpi", "-np", "2", "--oversubscribe", Hpcrun, "--contain",
            "-B", Path.GetDirectoryName(MpiImages.OpenMpiRing)!, MpiImages.OpenMpi, MpiImages.OpenMpiRing]);
        Ring.AssertRan(run, "/lib/x86_64-linux-gnu/libmpi.so.40", sharedContainer: true);
        Assert.DoesNotContain("PMIX ERROR", run.Stdout + run.Stderr);
    }

    /// <summary>Each rank in its own user namespace: hpcrun turns CMA off, so large messages still arrive.</summary>
    [Fact]
    public void OpenMpiRanksWithNoJoinRunInContainersOfTheirOwn() =>
        Ring.AssertRan(MpiImages.AsTestUser(["mpirun.openmpi", "-np", "2", "--oversubscribe", Hpcrun,
                "--no-join", MpiImages.OpenMpi, MpiImages.OpenMpiRing]),
            "/lib/x86_64-linux-gnu/libmpi.so.40", sharedContainer: false);

    /// <summary>An MPMD job, whose ranks run different commands (here the same program, one with an argument): their
    /// group was named by the whole command line, so each command got a container of its own and MPICH's UCX failed
    /// at MPI_Init ("Shared memory error"), Open MPI's vader hung. The ranks of one job with the same options and
    /// image share one container whatever their commands.</summary>
    [Fact]
    public void TheRanksOfAnMpmdJobShareTheNodesContainer()
    {
        Ring.AssertRan(MpiImages.AsTestUser(["mpiexec.mpich", "-n", "1", Hpcrun, MpiImages.Mpich, MpiImages.MpichRing,
                ":", "-n", "1", Hpcrun, MpiImages.Mpich, MpiImages.MpichRing, "second"]),
            "/lib/x86_64-linux-gnu/libmpich.so.12", sharedContainer: true);
        Ring.AssertRan(MpiImages.AsTestUser(["mpirun.openmpi", "--oversubscribe", "-np", "1", Hpcrun,
                MpiImages.OpenMpi, MpiImages.OpenMpiRing, ":", "-np", "1", Hpcrun, MpiImages.OpenMpi,
                MpiImages.OpenMpiRing, "second"]),
            "/lib/x86_64-linux-gnu/libmpi.so.40", sharedContainer: true);
    }

    /// <summary>Hydra hands each rank its PMI connection as an inherited descriptor (PMI_FD): it must stay
    /// open.</summary>
    [Fact]
    public void MpichImageRunsUnderHydraWithItsOwnMpich() =>
        Ring.AssertRan(MpiImages.AsTestUser(["mpiexec.mpich", "-n", "2", Hpcrun, "--mpi=container",
                MpiImages.Mpich, MpiImages.MpichRing]),
            "/lib/x86_64-linux-gnu/libmpich.so.12", sharedContainer: true);

    [Fact]
    public void HostMpichIsInjectedIntoAnMpichImage() =>
        Ring.AssertRan(MpiImages.AsTestUser(["mpiexec.mpich", "-n", "2", Hpcrun, "--mpi=host",
                MpiImages.Mpich, MpiImages.MpichRing]),
            "/.hpcrun/mpi/lib/libmpich.so.12", sharedContainer: true);

    /// <summary>examples/mpi-dotnet: MPI.NET over the injected host MPICH, 1 MiB messages included.</summary>
    [Fact]
    public void MpiDotnetExampleRunsOverInjectedHostMpich()
    {
        string output = Directory.CreateTempSubdirectory("hpcrun-mpi-dotnet-").FullName;
        try
        {
            TestEnvironment.RunChecked("dotnet", "publish",
                Path.Combine(TestEnvironment.RepoRoot, "examples", "mpi-dotnet", "MpiDotnet.csproj"),
                "-c", "Release", "-o", output, "-p:InvariantGlobalization=true", "-nologo", "-v", "quiet");
            TestEnvironment.RunChecked("chmod", "-R", "a+rX", output);
            CommandResult result = MpiImages.AsTestUser(["mpiexec.mpich", "-n", "2", Hpcrun, "--mpi=host",
                MpiImages.Mpich, Path.Combine(output, "MpiDotnet")]);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("hello from rank 1 of 2", result.Stdout);
            Assert.Contains("allreduce: sum of 1..2 = 3", result.Stdout);
            Assert.Contains("ping-pong 1048576 B:", result.Stdout);
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    [Fact]
    public void OpenMpiImageIsRefusedOnAnMpichHost()
    {
        var mpichHost = new Dictionary<string, string>
        {
            [HostMpiReader.LibsVariable] = "/usr/lib/x86_64-linux-gnu/libmpich.so.12",
        };
        CommandResult result = MpiImages.AsTestUser([Hpcrun, "--mpi=host", MpiImages.OpenMpi, "/bin/true"], mpichHost);
        Assert.Equal((int)ExitCode.MpiIncompatible, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("MPICH ABI libmpich.so.12 12.2.2", line);
        Assert.Contains("Open MPI libmpi.so.40 40.30.4", line);
    }
}
