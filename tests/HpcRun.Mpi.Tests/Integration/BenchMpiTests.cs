using System.Text.Json;
using HpcRun.TestSupport;

namespace HpcRun.Mpi.Tests.Integration;

/// <summary>`hpcrun bench --only mpi` on the Open MPI image: the ping-pong program built with the host's mpicc
/// runs natively and in the image, under the local mpirun and, in a Slurm allocation (salloc on the two-node
/// test cluster), under srun with one rank on each node. Three rounds; values checked for sense, not speed.</summary>
// Runs in the "cluster" collection although it uses no Slurm: the collection holds the machine's cluster lock, so
// no other test project brings the test cluster up or down meanwhile, which adds and deletes network interfaces
// (a bridge, veth pairs) that MPICH's UCX and Open MPI enumerate at MPI_Init ("init_worker No such device").
[Collection("cluster")]
public class BenchMpiTests
{
    internal static void AssertPingPongRows(CommandResult result, string launcher)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(result.Stdout);
        Assert.StartsWith(launcher, report.RootElement.GetProperty("mpiLauncher").GetString());
        JsonElement[] rows = [.. report.RootElement.GetProperty("rows").EnumerateArray()];
        Assert.Equal(["us", "GB/s"], rows.Select(r => r.GetProperty("unit").GetString()));
        foreach (JsonElement row in rows)
        {
            Assert.Equal("mpi", row.GetProperty("benchmark").GetString());
            Assert.True(row.GetProperty("native").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("hpcrun").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("ratio").GetDouble() > 0, row.ToString());
        }
    }

    [Fact]
    public void PingPongUnderMpirun() => AssertPingPongRows(
        MpiImages.AsTestUser([Hpcrun.Binary, "bench", MpiImages.OpenMpi, "--only", "mpi", "--rounds", "3", "--json"]),
        "mpirun, 2 ranks on this node");
}

[Collection("cluster")]
public class BenchMpiUnderSlurmTests
{
    [Fact]
    public void PingPongUnderSrunAcrossTwoNodes()
    {
        string image = MpiImages.OpenMpi; // resolved outside the cluster's lock-holding calls
        BenchMpiTests.AssertPingPongRows(LocalCluster.AsUser("salloc", "-N2", "-n2", "env", "SLURM_MPI_TYPE=pmix",
                Hpcrun.Binary, "bench", image, "--only", "mpi", "--rounds", "3", "--json"),
            "srun, 2 ranks on 2 nodes of job ");
        Assert.Empty(Directory.EnumerateDirectories(LocalCluster.JobsDir, ".hpcrun-bench.*"));
    }
}
