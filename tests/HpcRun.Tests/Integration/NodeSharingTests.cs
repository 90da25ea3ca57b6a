using System.Diagnostics;
using HpcRun.Launch;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>
/// Ranks of one job on a node sharing one container: started together as a launcher starts
/// them (here all at one instant, with a join key, as the test user), each job reports its user
/// namespace and waits for a file the test creates, so the test decides the order they end in.
/// </summary>
[Collection(ContainerCollection.Name)]
public class NodeSharingTests(ContainerFixture images)
{
    /// <summary>Ranks started at one instant; job i writes up.i ("USERNS PPID HOME ROOTPROBE": ROOTPROBE is
    /// the text of /root/$PROBE, or "-"), waits for go.i,
    /// reads a whole file of the image (the FUSE mount must still serve it) and exits with i % 7.</summary>
    private sealed class Ranks : IDisposable
    {
        private readonly string dir = Directory.CreateTempSubdirectory("hpcrun-ranks-").FullName;
        public readonly Process[] Processes;

        public Ranks(string image, int count, string[] options, Dictionary<string, string> env)
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
            const string job = "echo \"$(readlink /proc/self/ns/user) $PPID $HOME " +
                "$(cat /root/$PROBE 2>/dev/null || echo -)\" > $D/up.$RANK; " +
                "while [ ! -e $D/go.$RANK ]; do sleep 0.05; done; cat /bin/busybox > /dev/null || exit 99; " +
                "echo rank $RANK done; exit $((RANK % 7))";
            Processes = [.. Enumerable.Range(0, count).Select(rank => Hpcrun.Start([.. options, image, "sh", "-c", job],
                new Dictionary<string, string>(env) { ["D"] = dir, ["RANK"] = rank.ToString() }, gated: true))];
            foreach (Process p in Processes) p.StandardInput.WriteLine();
            foreach (Process p in Processes) p.StandardInput.Close();
        }

        /// <summary>Waits until every job is up; returns each one's user namespace.</summary>
        public string[] WaitUntilUp()
        {
            for (int i = 0; i < 1200 && !Enumerable.Range(0, Processes.Length).All(r => File.Exists(Up(r))
                     && File.ReadAllText(Up(r)).EndsWith('\n')); i++)
            {
                Process? failed = Processes.FirstOrDefault(p => p.HasExited);
                Assert.True(failed is null,
                    $"a rank ended early: {failed?.ExitCode} {failed?.StandardError.ReadToEnd()}");
                Thread.Sleep(100);
            }
            return [.. Enumerable.Range(0, Processes.Length).Select(r => File.ReadAllText(Up(r)).Split(' ')[0])];
        }

        /// <summary>The job's parent: the rank's hpcrun.</summary>
        public int ParentOf(int rank) => int.Parse(File.ReadAllText(Up(rank)).Split(' ')[1]);

        /// <summary>The job's HOME and what it read at /root/$PROBE ("-": nothing).</summary>
        public string HomeOf(int rank) => string.Join(' ', File.ReadAllText(Up(rank)).TrimEnd('\n').Split(' ')[2..]);

        public void Release(int rank) => File.WriteAllText(Path.Combine(dir, $"go.{rank}"), "");

        private string Up(int rank) => Path.Combine(dir, $"up.{rank}");

        public void Dispose()
        {
            foreach (Process p in Processes.Where(p => !p.HasExited)) p.Kill();
            foreach (Process p in Processes) p.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Which of <paramref name="ranks"/> serve a FUSE connection (hpcrun serves the image it mounts
    /// itself).</summary>
    private static int[] FuseServers(IEnumerable<int> ranks) => [.. LeakCheck.FuseServers().Intersect(ranks)];

    [Fact]
    public void ThirtyTwoRanksStartedTogetherShareOneContainerThatOutlivesThemAll()
    {
        const int count = 32;
        using var ranks = new Ranks(images.Image, count, [],
            new() { ["HPCRUN_JOIN_KEY"] = $"test-{Guid.NewGuid():N}" });
        string[] namespaces = ranks.WaitUntilUp();
        Assert.Single(namespaces.Distinct());
        for (int rank = 0; rank < count; rank++) Assert.Equal(ranks.Processes[rank].Id, ranks.ParentOf(rank));
        int first = Assert.Single(FuseServers(ranks.Processes.Select(p => p.Id)));
        int firstRank = Array.FindIndex(ranks.Processes, p => p.Id == first);

        // The first rank's job ends first: its hpcrun stays, the others still read the image.
        ranks.Release(firstRank);
        Assert.Equal($"rank {firstRank} done", ranks.Processes[firstRank].StandardOutput.ReadLine());
        Assert.False(ranks.Processes[firstRank].WaitForExit(TimeSpan.FromMilliseconds(500)),
            "the first rank left before the others");

        // One rank's hpcrun crashes (SIGKILL): its job goes with it, the others go on.
        int crashed = (firstRank + 1) % count;
        ranks.Processes[crashed].Kill();
        ranks.Processes[crashed].WaitForExit();

        foreach (int rank in Enumerable.Range(0, count).Reverse().Where(r => r != firstRank && r != crashed))
            ranks.Release(rank);
        for (int rank = 0; rank < count; rank++)
        {
            if (rank == crashed) continue;
            Process p = ranks.Processes[rank];
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), $"rank {rank} did not end");
            Assert.True(rank % 7 == p.ExitCode, $"rank {rank}: exit {p.ExitCode}, {p.StandardError.ReadToEnd()}");
        }
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void RanksOfALauncherJoinByDefaultAndNoJoinOptsOut()
    {
        var launcher = new Dictionary<string, string> { ["PMI_RANK"] = "0", ["PMI_SIZE"] = "3" };
        using (var joined = new Ranks(images.Image, 3, [], launcher))
        {
            Assert.Single(joined.WaitUntilUp().Distinct());
            Assert.Single(FuseServers(joined.Processes.Select(p => p.Id)));
            for (int rank = 0; rank < 3; rank++) joined.Release(rank);
            Assert.All(joined.Processes, p => Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1))));
        }
        using (var alone = new Ranks(images.Image, 3, ["--no-join"], launcher))
        {
            Assert.Equal(3, alone.WaitUntilUp().Distinct().Count());
            Assert.Equal(3, FuseServers(alone.Processes.Select(p => p.Id)).Length);
            for (int rank = 0; rank < 3; rank++) alone.Release(rank);
            Assert.All(alone.Processes, p => Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1))));
        }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>How often an srun rank re-executes itself, and whether it stood for its node's group (bound the
    /// group's abstract socket name).</summary>
    private (int Reexecs, int Elections) TraceAnSrunRank(string[] args, Dictionary<string, string>? env = null)
    {
        var rank = new Dictionary<string, string>(env ?? [])
        {
            ["SLURM_JOB_ID"] = "7",
            ["SLURM_STEP_ID"] = "0",
            ["SLURM_PROCID"] = "0",
        };
        CommandResult traced = Hpcrun.Script(
            "t=$(mktemp); strace -f -qq -e trace=execve,bind -o $t \"$H\" \"$@\" >/dev/null 2>&1; " +
            "grep -c 'execve(\"/proc/self/exe\"' $t; grep -c 'bind(.*sun_path=@\"hpcrun-' $t; rm -f $t",
            ["sh", .. args], rank);
        string[] counts = traced.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(counts[0]), int.Parse(counts[1]));
    }

    /// <summary>early.c holds the election before the runtime starts, so no rank re-executes: a rank that
    /// cannot join (--no-join or HPCRUN_NO_JOIN among hpcrun's own options, or a verb that runs no container)
    /// stands for no group, a rank that may join becomes its node's first rank, and a job's own --no-join
    /// argument is the job's.</summary>
    [Fact]
    public void RanksAreElectedWithoutReexecuting()
    {
        string key = $"test-{Guid.NewGuid():N}";
        Assert.Equal((0, 0), TraceAnSrunRank(["--no-join", images.Image, "true"]));
        Assert.Equal((0, 0), TraceAnSrunRank(["run", "-v", "--no-join", images.Image, "true"]));
        Assert.Equal((0, 0), TraceAnSrunRank([images.Image, "true"], new() { ["HPCRUN_NO_JOIN"] = "1" }));
        Assert.Equal((0, 0), TraceAnSrunRank(["doctor"]));
        Assert.Equal((0, 1), TraceAnSrunRank([images.Image, "true"]));
        Assert.Equal((0, 1), TraceAnSrunRank([images.Image, "sh", "-c", "true", "--no-join"]));
        Assert.Equal((0, 1), TraceAnSrunRank([images.Image, "true"], new() { ["HPCRUN_NO_JOIN"] = "0" }));
        Assert.Equal((0, 1), TraceAnSrunRank(["--join-key", key, images.Image, "true"],
            new() { ["HPCRUN_NO_JOIN"] = "1" }));
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>A first rank that gives up before greeting (here a stand-in of the same user that accepts one
    /// connection and closes it): the rank early.c connected elects again and, now first, re-executes itself into
    /// a namespace of its own and runs its job.</summary>
    [Fact]
    public void ARankWhoseFirstRankGivesUpElectsAgain()
    {
        string key = $"test-{Guid.NewGuid():N}";
        int uid = int.Parse(TestEnvironment.RunChecked("id", "-u", TestEnvironment.User).Trim());
        string name = NodeSharing.GroupName(key, noJoin: false, new Dictionary<string, string>(), uid, 0, "/", [])!;
        const string standIn = "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind('\\0' + sys.argv[1]); " +
            "s.listen(); print('up', flush=True); c, _ = s.accept(); c.close(); s.close()";
        CommandResult result = Hpcrun.Script(
            "t=$(mktemp); python3 -c \"$0\" \"$1\" > $t & until [ -s $t ]; do sleep 0.05; done; " +
            "strace -f -qq -e trace=execve -o $t.trace \"$H\" --join-key \"$2\" \"$3\" sh -c 'echo ran'; status=$?; " +
            "wait; grep -c 'execve(\"/proc/self/exe\"' $t.trace; rm -f $t $t.trace; exit $status",
            [standIn, name, key, images.Image]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ran\n1\n", result.Stdout);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void ARankWhoseContainerWouldDifferIsRefused()
    {
        var key = new Dictionary<string, string> { ["HPCRUN_JOIN_KEY"] = $"test-{Guid.NewGuid():N}" };
        using var first = new Ranks(images.Image, 1, [], key);
        first.WaitUntilUp();
        CommandResult other = Hpcrun.Run(["--bind", "/etc:/mnt", images.Image, "true"], key);
        Assert.Equal((int)ExitCode.JoinFailed, other.ExitCode);
        string line = Assert.Single(other.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("bind /etc on /mnt", line);
        Assert.Contains("--no-join", line);
        first.Release(0);
        Assert.True(first.Processes[0].WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, first.Processes[0].ExitCode);
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>--join-key groups launches of any image: a rank that names another image is refused (it would have
    /// run in the first rank's image), while the same image under another path (a symlink) joins.</summary>
    [Fact]
    public void A_rank_naming_another_image_is_refused_and_the_same_image_by_another_path_joins()
    {
        var key = new Dictionary<string, string> { ["HPCRUN_JOIN_KEY"] = $"test-{Guid.NewGuid():N}" };
        string links = Directory.CreateTempSubdirectory("hpcrun-image-link-").FullName;
        File.SetUnixFileMode(links, (UnixFileMode)0b111_101_101);
        string link = Path.Combine(links, "same.sqfs");
        File.CreateSymbolicLink(link, images.Image);
        try
        {
            using var first = new Ranks(images.Image, 1, [], key);
            first.WaitUntilUp();
            CommandResult other = Hpcrun.Run([images.Tree, "true"], key);
            Assert.Equal((int)ExitCode.JoinFailed, other.ExitCode);
            string line = Assert.Single(other.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"image {images.Tree} where the first rank has {images.Image}", line);
            CommandResult same = Hpcrun.Run([link, "true"], key);
            Assert.True(same.ExitCode == 0, same.ToString());
            first.Release(0);
            Assert.True(first.Processes[0].WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.Equal(0, first.Processes[0].ExitCode);
        }
        finally { Directory.Delete(links, recursive: true); }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>Under --fakeroot every rank, the first and those that join it, has the user's home at /root
    /// (the first rank's mount) and HOME=/root.</summary>
    [Fact]
    public void RanksWithFakeRootShareOneContainerToo()
    {
        string name = $".hpcrun-ranks-probe-{Guid.NewGuid():N}", probe = $"{Hpcrun.UserHome}/{name}", text = "seen";
        File.WriteAllText(probe, text + "\n");
        File.SetUnixFileMode(probe, (UnixFileMode)0b110_100_100);
        try
        {
            var key = new Dictionary<string, string>
            {
                ["HPCRUN_JOIN_KEY"] = $"test-{Guid.NewGuid():N}",
                ["PROBE"] = name,
            };
            using var ranks = new Ranks(images.Image, 4, ["--fakeroot"], key);
            Assert.Single(ranks.WaitUntilUp().Distinct());
            Assert.Single(FuseServers(ranks.Processes.Select(p => p.Id)));
            Assert.All(Enumerable.Range(0, 4), rank => Assert.Equal($"/root {text}", ranks.HomeOf(rank)));
            for (int rank = 0; rank < 4; rank++) ranks.Release(rank);
            for (int rank = 0; rank < 4; rank++)
            {
                Assert.True(ranks.Processes[rank].WaitForExit(TimeSpan.FromMinutes(1)), $"rank {rank} did not end");
                Assert.Equal(rank % 7, ranks.Processes[rank].ExitCode);
            }
        }
        finally { File.Delete(probe); }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>Another user (root here) holds the group's abstract socket name first: ranks notice
    /// at once and run in containers of their own, with a warning, whether the squatter's socket
    /// accepts (its owner is then seen) or its backlog is full (connecting would block).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnotherUsersSocketOnTheGroupNameIsNotJoined(bool backlogFull)
    {
        string key = $"test-{Guid.NewGuid():N}";
        int uid = int.Parse(TestEnvironment.RunChecked("id", "-u", TestEnvironment.User).Trim());
        string name = NodeSharing.GroupName(key, noJoin: false, new Dictionary<string, string>(), uid, 0, "/", [])!;
        var address = new System.Net.Sockets.UnixDomainSocketEndPoint("\0" + name);
        using var squatter = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
            System.Net.Sockets.SocketType.Stream, 0);
        squatter.Bind(address);
        squatter.Listen(backlogFull ? 0 : 16);
        using var filler = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
            System.Net.Sockets.SocketType.Stream, 0);
        if (backlogFull) filler.Connect(address);
        var result = TestEnvironment.Run("setpriv", ["--reuid", TestEnvironment.User, "--regid", TestEnvironment.User,
            "--init-groups", "--", Hpcrun.Binary, "--join-key", key, images.Image, "sh", "-c", "echo ran"],
            timeout: TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ran\n", result.Stdout);
        Assert.Contains("running in a container of its own", result.Stderr);
        LeakCheck.AssertNothingLeft();
    }
}
