using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>
/// The fast join (Native/early.c, Group/JoinRecipe.cs): a rank whose launch equals its node's first rank's but
/// for its rank variables starts its job from early.c, without the .NET runtime, and gets exactly what the C#
/// side gives it (HPCRUN_FAST_JOIN=0 forces that side). Ranks are started at one instant, as a launcher starts
/// them, with a join key and the same environment but for PMIX_RANK and OMPI_COMM_WORLD_RANK.
/// </summary>
[Collection(ContainerCollection.Name)]
public class FastJoinTests(ContainerFixture images)
{
    /// <summary>Job i writes what it got (pid, arguments, directory, ids, environment) to out.i and its mounts to
    /// mounts.i, waits for go.i, reads a whole file of the image and exits with i % 7.</summary>
    private const string Job = "{ echo \"pid $$\"; echo \"args $0|$1\"; echo \"cwd $(pwd)\"; id; env | sort; } " +
        "> $D/out.$PMIX_RANK.tmp; cut -d' ' -f3- /proc/self/mountinfo > $D/mounts.$PMIX_RANK; " +
        "mv $D/out.$PMIX_RANK.tmp $D/out.$PMIX_RANK; while [ ! -e $D/go.$PMIX_RANK ]; do sleep 0.05; done; " +
        "cat /bin/busybox > /dev/null || exit 99; exit $((PMIX_RANK % 7))";

    private sealed class Ranks : IDisposable
    {
        public readonly string Dir = Directory.CreateTempSubdirectory("hpcrun-fastjoin-").FullName;
        public readonly Process[] Processes;

        /// <param name="own">Variables of each rank's own, or null.</param>
        /// <param name="firstAlone">Rank 0 starts alone, and the others once its job runs: rank 0 is the first.
        /// </param>
        /// <param name="options">hpcrun's options, before the image.</param>
        public Ranks(string image, int count, Dictionary<string, string> env, string prelude = "",
            Func<int, Dictionary<string, string>>? own = null, bool firstAlone = false, string[]? options = null)
        {
            File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_111);
            Processes = [.. Enumerable.Range(0, count).Select(rank => Hpcrun.Start(
                [.. options ?? [], image, "sh", "-c", prelude + Job, "job", "an argument"],
                new Dictionary<string, string>(env)
                {
                    ["D"] = Dir, ["PMIX_RANK"] = rank.ToString(), ["OMPI_COMM_WORLD_RANK"] = rank.ToString(),
                }.Concat(own?.Invoke(rank) ?? []).ToDictionary(), gated: true))];
            if (firstAlone)
            {
                Processes[0].StandardInput.WriteLine();
                WaitUntilUp(1);
            }
            foreach (Process p in Processes) p.StandardInput.WriteLine();
            foreach (Process p in Processes) p.StandardInput.Close();
        }

        /// <summary>Waits until the jobs of the first <paramref name="count"/> ranks (all: null) run.</summary>
        public string[] WaitUntilUp(int? count = null)
        {
            int ranks = count ?? Processes.Length;
            for (int i = 0; i < 1200 && !Enumerable.Range(0, ranks).All(r => File.Exists(Out(r))); i++)
            {
                Process? failed = Processes.Take(ranks).FirstOrDefault(p => p.HasExited);
                Assert.True(failed is null,
                    $"a rank ended early: {failed?.ExitCode} {failed?.StandardError.ReadToEnd()}");
                Thread.Sleep(100);
            }
            return [.. Enumerable.Range(0, ranks).Select(r => File.ReadAllText(Out(r)))];
        }

        /// <summary>Whether rank's job is its hpcrun's process itself: fast-joined.</summary>
        public bool FastJoined(int rank) =>
            File.ReadAllLines(Out(rank))[0] == $"pid {Processes[rank].Id}";

        public string Mounts(int rank) => File.ReadAllText(Path.Combine(Dir, $"mounts.{rank}"));

        /// <summary>What the job got, but for its pid and the test's directory.</summary>
        public string[] Got(int rank) =>
            [.. File.ReadAllLines(Out(rank)).Where(l => !l.StartsWith("pid ") && !l.StartsWith("D="))];

        public void ReleaseAll()
        {
            for (int rank = Processes.Length - 1; rank >= 0; rank--)
                File.WriteAllText(Path.Combine(Dir, $"go.{rank}"), "");
        }

        public void AssertEnded(params int[] killed)
        {
            for (int rank = 0; rank < Processes.Length; rank++)
            {
                if (killed.Contains(rank)) continue;
                Process p = Processes[rank];
                Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), $"rank {rank} did not end");
                Assert.True(rank % 7 == p.ExitCode, $"rank {rank}: exit {p.ExitCode}, {p.StandardError.ReadToEnd()}");
            }
        }

        private string Out(int rank) => Path.Combine(Dir, $"out.{rank}");

        public void Dispose()
        {
            foreach (Process p in Processes.Where(p => !p.HasExited)) p.Kill();
            foreach (Process p in Processes) p.Dispose();
            Directory.Delete(Dir, recursive: true);
        }
    }

    private static Dictionary<string, string> Key(params (string, string)[] more) =>
        new Dictionary<string, string> { ["HPCRUN_JOIN_KEY"] = $"test-{Guid.NewGuid():N}", ["PMIX_NAMESPACE"] = "ns" }
            .Concat(more.Select(m => KeyValuePair.Create(m.Item1, m.Item2))).ToDictionary();

    private static int First(Ranks ranks) =>
        Array.FindIndex(ranks.Processes, p => LeakCheck.FuseServers().Contains(p.Id));

    [Fact]
    public void AFastJoinedRankGetsWhatTheCSideGivesAndTheFirstRanksMounts()
    {
        const int count = 4;
        string[] fast, slow;
        using (var ranks = new Ranks(images.Image, count, Key()))
        {
            ranks.WaitUntilUp();
            int first = First(ranks);
            Assert.True(first >= 0, "no rank serves the image");
            for (int rank = 0; rank < count; rank++)
            {
                Assert.Equal(rank != first, ranks.FastJoined(rank));
                Assert.Equal(ranks.Mounts(first), ranks.Mounts(rank));
            }
            fast = [.. Enumerable.Range(0, count).Select(r => string.Join('\n', ranks.Got(r)))];
            ranks.ReleaseAll();
            ranks.AssertEnded();
        }
        using (var ranks = new Ranks(images.Image, count, Key(("HPCRUN_FAST_JOIN", "0"))))
        {
            ranks.WaitUntilUp();
            Assert.All(Enumerable.Range(0, count), rank => Assert.False(ranks.FastJoined(rank)));
            slow = [.. Enumerable.Range(0, count).Select(r => string.Join('\n', ranks.Got(r)))];
            ranks.ReleaseAll();
            ranks.AssertEnded();
        }
        Assert.Equal(slow, fast);
        Assert.Contains("args job|an argument", fast[1]);
        Assert.Contains("PMIX_RANK=3", fast[3]);
        Assert.Contains("OMPI_COMM_WORLD_RANK=2", fast[2]);
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>Under --fakeroot the fast-joined ranks are root, in the first rank's mounts (the user's home at
    /// /root) with HOME=/root, as the first rank decided for them.</summary>
    [Fact]
    public void FakeRootRanksFastJoinAsRootWithTheHomeAtRoot()
    {
        const int count = 3;
        string name = $".hpcrun-fastjoin-probe-{Guid.NewGuid():N}", probe = $"{Hpcrun.UserHome}/{name}";
        const string text = "seen";
        File.WriteAllText(probe, text + "\n");
        File.SetUnixFileMode(probe, (UnixFileMode)0b110_100_100);
        try
        {
            using var ranks = new Ranks(images.Image, count, Key(), options: ["--fakeroot"],
                prelude: $"export SEEN=$(cat /root/{name}); ");
            ranks.WaitUntilUp();
            int first = First(ranks);
            Assert.True(first >= 0, "no rank serves the image");
            for (int rank = 0; rank < count; rank++)
            {
                Assert.Equal(rank != first, ranks.FastJoined(rank));
                Assert.Equal(ranks.Mounts(first), ranks.Mounts(rank));
                string[] got = ranks.Got(rank);
                Assert.Contains("HOME=/root", got);
                Assert.Contains($"SEEN={text}", got);
                Assert.Contains($"cwd {Hpcrun.UserHome}", got);
                Assert.Contains(got, line => line.StartsWith("uid=0(root) gid=0(root)", StringComparison.Ordinal));
            }
            ranks.ReleaseAll();
            ranks.AssertEnded();
        }
        finally { File.Delete(probe); }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>A rank whose environment differs in a variable that is not a rank variable (here one of each
    /// rank's own) decides its job in C#, and gets its own value.</summary>
    [Fact]
    public void ARankWhoseEnvironmentDiffersOtherwiseTakesTheCSidesPath()
    {
        using var ranks = new Ranks(images.Image, 3, Key(), own: rank => new() { ["MINE"] = $"rank {rank}'s" });
        ranks.WaitUntilUp();
        int first = First(ranks);
        for (int rank = 0; rank < 3; rank++)
        {
            Assert.False(ranks.FastJoined(rank));
            Assert.Contains($"MINE=rank {rank}'s", ranks.Got(rank));
            Assert.Equal(ranks.Mounts(first), ranks.Mounts(rank));
        }
        ranks.ReleaseAll();
        ranks.AssertEnded();
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>Eight ranks, two of them SIGKILLed while their jobs run (a fast-joined rank's job is its process),
    /// and jobs that close every inherited descriptor (the fast-joined job holds its membership as one): the
    /// first rank serves the image until the last job has ended, and nothing is left behind.</summary>
    [Fact]
    public void KilledRanksAndJobsThatCloseTheirDescriptorsLeaveNothingBehind()
    {
        const int count = 8;
        using var ranks = new Ranks(images.Image, count, Key(),
            prelude: "for fd in 3 4 5 6 7 8 9; do eval \"exec $fd>&-\"; done; ");
        ranks.WaitUntilUp();
        int first = First(ranks);
        int[] killed = [.. Enumerable.Range(0, count).Where(r => r != first).Take(2)];
        Assert.All(killed, rank => Assert.True(ranks.FastJoined(rank)));
        foreach (int rank in killed)
        {
            ranks.Processes[rank].Kill();
            ranks.Processes[rank].WaitForExit();
        }
        File.WriteAllText(Path.Combine(ranks.Dir, $"go.{first}"), ""); // the first rank's job ends first
        Assert.False(ranks.Processes[first].WaitForExit(TimeSpan.FromMilliseconds(500)),
            "the first rank left before its members' jobs");
        ranks.ReleaseAll();
        ranks.AssertEnded(killed);
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>Slurm gives TMPDIR=/tmp to the first task it starts on a node alone: whether the first rank is
    /// that task or another, every other rank fast-joins and gets its own TMPDIR, or none, as the C# side gives
    /// it.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ATaskVariableOfOneRankOnlyIsNoHindrance(bool firstHasIt)
    {
        const int count = 4;
        Dictionary<string, string> Own(int rank) => (rank == 0) == firstHasIt ? new() { ["TMPDIR"] = "/tmp" } : [];
        string[] Run(bool fast)
        {
            using var ranks = new Ranks(images.Image, count, fast ? Key() : Key(("HPCRUN_FAST_JOIN", "0")), own: Own,
                firstAlone: true);
            ranks.WaitUntilUp();
            Assert.Equal(0, First(ranks));
            for (int rank = 0; rank < count; rank++) Assert.Equal(fast && rank != 0, ranks.FastJoined(rank));
            string[] got = [.. Enumerable.Range(0, count).Select(r => string.Join('\n', ranks.Got(r)))];
            ranks.ReleaseAll();
            ranks.AssertEnded();
            return got;
        }
        string[] fast = Run(fast: true), slow = Run(fast: false);
        Assert.Equal(slow, fast);
        for (int rank = 0; rank < count; rank++)
            Assert.Equal((rank == 0) == firstHasIt, fast[rank].Split('\n').Contains("TMPDIR=/tmp"));
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>A TMPDIR that the container binds (a host directory no other mount provides) is a different
    /// container for a rank without it: only a rank with the first rank's TMPDIR fast-joins; one without it takes
    /// the C# side's path, which refuses a rank whose container differs.</summary>
    [Fact]
    public void ATaskVariableThatChangesTheContainerAdmitsOnlyTheFirstRanksValue()
    {
        string scratch = Directory.CreateDirectory($"/var/lib/hpcrun-fastjoin-{Guid.NewGuid():N}").FullName;
        try
        {
            using var ranks = new Ranks(images.Image, 3, Key(), firstAlone: true,
                own: rank => rank < 2 ? new() { ["TMPDIR"] = scratch } : []);
            ranks.WaitUntilUp(2);
            Assert.Equal(0, First(ranks));
            Assert.Contains($" {scratch} ", ranks.Mounts(0));
            Assert.True(ranks.FastJoined(1));
            Process without = ranks.Processes[2];
            Assert.True(without.WaitForExit(TimeSpan.FromMinutes(2)), "the rank without TMPDIR did not end");
            Assert.Equal((int)ExitCode.JoinFailed, without.ExitCode);
            Assert.Contains("differs from the one its job shares", without.StandardError.ReadToEnd());
            File.WriteAllText(Path.Combine(ranks.Dir, "go.0"), "");
            File.WriteAllText(Path.Combine(ranks.Dir, "go.1"), "");
            ranks.AssertEnded(2);
        }
        finally { Directory.Delete(scratch); }
        LeakCheck.AssertNothingLeft();
    }
}
