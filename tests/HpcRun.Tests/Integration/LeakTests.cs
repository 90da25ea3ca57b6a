using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

[Collection(ContainerCollection.Name)]
public class LeakTests(ContainerFixture images)
{
    [Fact]
    public void TwoHundredRunsSomeKilledLeaveNothing()
    {
        for (int run = 0; run < 200; run++)
        {
            if (run % 10 == 0)
            {
                // SIGKILL hpcrun while its job runs: the job and the FUSE mount it serves must go with it.
                using var hpcrun = Hpcrun.Start([images.Image, "sh", "-c", "echo ready; exec sleep 1001"]);
                Assert.Equal("ready", hpcrun.StandardOutput.ReadLine());
                hpcrun.Kill();
                hpcrun.WaitForExit();
            }
            else
            {
                CommandResult result = images.Sh($"exit {run % 256}");
                Assert.True(result.ExitCode == run % 256, $"run {run}: {result}");
            }
        }
        LeakCheck.AssertNothingLeft(); // the killed ones' sleep 1001 included
    }
}
