using System.Diagnostics;
using System.Text.Json;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>`hpcrun bench` run for real (published binaries, the unprivileged test user) on the busybox image:
/// the rows it can compare, those it skips and why, its statuses. Few rounds; values are checked for sense
/// (positive, the ratio inside its spread), never for speed.</summary>
[Collection(ContainerCollection.Name)]
public class BenchTests(ContainerFixture images)
{
    /// <summary>Runs hpcrun bench with TMPDIR in a fresh directory, which must be empty again afterwards.</summary>
    private static CommandResult Bench(params string[] args)
    {
        string scratch = Directory.CreateTempSubdirectory("hpcrun-bench-test-").FullName;
        try
        {
            File.SetUnixFileMode(scratch, (UnixFileMode)0b111_111_111);
            CommandResult result = Hpcrun.Run(["bench", .. args],
                new Dictionary<string, string> { ["TMPDIR"] = scratch });
            Assert.True(Directory.GetFileSystemEntries(scratch).Length == 0, $"left in TMPDIR: {result}");
            LeakCheck.AssertNothingLeft();
            return result;
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    [Fact]
    public void JsonHasARowPerMeasureAndSaysWhyTheRestWasSkipped()
    {
        CommandResult result = Bench(images.Image, "--rounds", "3", "--only", "startup,read,mpi", "--tree", "/bin",
            "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        using JsonDocument report = JsonDocument.Parse(result.Stdout);
        JsonElement root = report.RootElement;
        Assert.Equal(images.Image, root.GetProperty("image").GetString());
        Assert.Equal(3, root.GetProperty("rounds").GetInt32());
        JsonElement[] rows = [.. root.GetProperty("rows").EnumerateArray()];
        Assert.Equal(["startup", "read"], rows.Select(r => r.GetProperty("benchmark").GetString()));
        // busybox's /bin holds one file, the busybox binary (the applets are symbolic links).
        Assert.StartsWith("read /bin (1 files, ", rows[1].GetProperty("measure").GetString());
        foreach (JsonElement row in rows)
        {
            Assert.Equal(3, row.GetProperty("rounds").GetInt32());
            Assert.True(row.GetProperty("native").GetDouble() > 0, row.ToString());
            Assert.True(row.GetProperty("hpcrun").GetDouble() > 0, row.ToString());
            double ratio = row.GetProperty("ratio").GetDouble();
            Assert.InRange(ratio, row.GetProperty("ratioLow").GetDouble(), row.GetProperty("ratioHigh").GetDouble());
            Assert.Contains(row.GetProperty("verdict").GetString(), (string[])["within-noise", "hpcrun-faster",
                "hpcrun-slower"]);
        }
        // The host has mpirun and mpicc; busybox has no MPI library for the ping-pong program.
        JsonElement skipped = Assert.Single(root.GetProperty("skipped").EnumerateArray());
        Assert.Equal("mpi", skipped.GetProperty("benchmark").GetString());
        Assert.Contains("the image cannot run the ping-pong program", skipped.GetProperty("reason").GetString());
    }

    [Fact]
    public void WithoutATerminalTheTableIsMarkdown()
    {
        CommandResult result = Bench(images.Image, "--rounds", "3", "--only", "startup");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n');
        Assert.StartsWith("| measure | native | hpcrun | hpcrun / native | spread (IQR) | rounds |", lines[0]);
        Assert.StartsWith("| start /bin/true | ", lines[2]);
        Assert.EndsWith(" | 3 | " + lines[2].Split(" | ")[^1], lines[2]);
        Assert.Contains("within noise", result.Stdout); // the legend says how to read it
    }

    [Fact]
    public void NothingComparableIsStatus88InOneLine()
    {
        // busybox has no hpcc (and the host may lack it or a launcher too): nothing to compare.
        CommandResult result = Bench(images.Image, "--rounds", "3", "--only", "hpcc");
        Assert.True(result.ExitCode == 88, result.ToString());
        Assert.Equal("", result.Stdout);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hpcrun: bench: nothing comparable to run with ", line);
        Assert.Contains("hpcc: ", line);
    }

    [Theory]
    [InlineData("--rounds", "2")]
    [InlineData("--only", "startup,linpack")]
    [InlineData("--tree", "usr")]
    public void BadOptionsAreUsageErrorsInOneLine(string option, string value)
    {
        CommandResult result = Bench(images.Image, option, value);
        Assert.True(result.ExitCode == 64, result.ToString());
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"hpcrun: {option} {value}: ", line);
    }

    /// <summary>bench stopped while its copy of the image's tree is in TMPDIR: SIGINT and SIGTERM leave nothing, and
    /// what a SIGKILL leaves (the copy can be hundreds of MB) the next bench removes, as a build's next run does.
    /// </summary>
    [Theory]
    [InlineData("INT"), InlineData("TERM"), InlineData("KILL")]
    public void A_stopped_bench_leaves_nothing_in_tmpdir_once_the_next_has_run(string signal)
    {
        string scratch = Directory.CreateTempSubdirectory("hpcrun-bench-test-").FullName;
        try
        {
            File.SetUnixFileMode(scratch, (UnixFileMode)0b111_111_111);
            var env = new Dictionary<string, string> { ["TMPDIR"] = scratch };
            using var bench = Hpcrun.Start(["bench", images.Image, "--rounds", "500", "--only", "read", "--tree",
                "/bin"], env);
            var copied = Stopwatch.StartNew();
            while (!Directory.GetDirectories(scratch).Any(d => File.Exists(Path.Combine(d, "tree", "bin", "busybox"))))
            {
                Assert.True(copied.Elapsed < TimeSpan.FromSeconds(60) && !bench.HasExited, "no copy in TMPDIR");
                Thread.Sleep(20);
            }
            TestEnvironment.RunChecked("kill", $"-{signal}", bench.Id.ToString());
            // 500 rounds take a minute: one that ignored the signal would still run.
            if (!bench.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                bench.Kill();
                bench.WaitForExit();
            }
            int status = 128 + signal switch { "INT" => 2, "TERM" => 15, _ => 9 }; // ended by the signal
            Assert.True(bench.ExitCode == status, $"{signal}: {bench.ExitCode} {bench.StandardError.ReadToEnd()}");
            if (signal == "KILL")
            {
                Assert.NotEmpty(Directory.GetFileSystemEntries(scratch)); // nothing ran to remove it
                CommandResult next = Hpcrun.Run(["bench", images.Image, "--rounds", "3", "--only", "startup"], env);
                Assert.True(next.ExitCode == 0, next.ToString());
            }
            Assert.Empty(Directory.GetFileSystemEntries(scratch));
        }
        finally { TestEnvironment.RunChecked("rm", "-rf", scratch); }
    }

    [Fact]
    public void AMissingImageIsStatus66() =>
        Assert.Equal(66, Bench("/nonexistent/app.sqfs", "--only", "startup").ExitCode);
}
