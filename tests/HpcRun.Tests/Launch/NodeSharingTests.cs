using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class NodeSharingTests
{
    private static readonly string[] Args = ["/images/app.sqfs", "./solver"];
    private static readonly Dictionary<string, string> SrunRank0 =
        new() { ["SLURM_JOB_ID"] = "7", ["SLURM_STEP_ID"] = "0", ["SLURM_PROCID"] = "0" };
    private static readonly Dictionary<string, string> SrunRank1 =
        new() { ["SLURM_JOB_ID"] = "7", ["SLURM_STEP_ID"] = "0", ["SLURM_PROCID"] = "1" };

    private static string? Name(Dictionary<string, string> env, string? joinKey = null, bool noJoin = false,
        int uid = 1001, int parent = 300, string cwd = "/home/alice/run", string[]? args = null) =>
        NodeSharing.GroupName(joinKey, noJoin, env, uid, parent, cwd, args ?? Args);

    [Fact]
    public void APlainLaunchSharesNothing() =>
        Assert.Null(Name(new() { ["HOME"] = "/home/alice", ["SLURM_JOB_ID"] = "7" }));

    [Fact]
    public void RanksOfOneStepOnANodeFormOneGroup()
    {
        string? name = Name(SrunRank0);
        Assert.NotNull(name);
        Assert.Equal(name, Name(SrunRank1));
        Assert.StartsWith("hpcrun-1001-", name);
    }

    [Theory]
    [InlineData("PMIX_RANK")]
    [InlineData("OMPI_COMM_WORLD_RANK")]
    [InlineData("PMI_RANK")]
    public void EveryLaunchersRanksAreRecognised(string variable) => Assert.NotNull(Name(new() { [variable] = "3" }));

    [Fact]
    public void AnythingThatTellsTheJobOrTheLaunchApartMakesAnotherGroup()
    {
        string? name = Name(SrunRank0);
        Assert.NotEqual(name, Name(new(SrunRank0) { ["SLURM_STEP_ID"] = "1" }));
        Assert.NotEqual(name, Name(new(SrunRank0) { ["SLURM_JOB_ID"] = "8" }));
        Assert.NotEqual(name, Name(SrunRank0, parent: 301));
        Assert.NotEqual(name, Name(SrunRank0, cwd: "/home/alice/other"));
        Assert.NotEqual(name, Name(SrunRank0, args: ["--fakeroot", .. Args]));
        Assert.NotEqual(name, Name(SrunRank0, uid: 1002));
    }

    [Fact]
    public void AJoinKeyNamesTheGroupWhateverTheLaunch()
    {
        string? name = Name([], joinKey: "coupled");
        Assert.NotNull(name);
        Assert.Equal(name, Name(SrunRank0, joinKey: "coupled", parent: 999, cwd: "/elsewhere", args: ["other"]));
        Assert.Equal(name, Name(new() { [NodeSharing.KeyVariable] = "coupled" }));
        Assert.NotEqual(name, Name([], joinKey: "other"));
    }

    [Fact]
    public void NoJoinOptsOut()
    {
        Assert.Null(Name(SrunRank0, noJoin: true));
        Assert.Null(Name(SrunRank0, joinKey: "k", noJoin: true));
        Assert.Null(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "1" }));
        Assert.NotNull(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "0" }));
        Assert.Null(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "yes" }));
        Assert.NotNull(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "no" }));
        Assert.NotNull(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "1" }, joinKey: "k"));
    }

    private static readonly LaunchContext Rank0 = PlanFixture.Context(
        host: PlanFixture.Host(new(SrunRank0) { ["HOME"] = "/home/alice" }),
        files: new() { ["/bin/sh"] = "", ["/etc/passwd"] = "root:x:0:0::/root:/bin/sh\n" });

    private static ContainerRecord RecordOf(LaunchContext context) =>
        NodeSharing.Record(PlanFixture.Plan(context), new RecordedImage("0:42:7+0", "/images/app.sqfs"));

    [Fact]
    public void TheRecordHoldsWhatRanksMustAgreeOnAndNothingPerRank()
    {
        var rank1 = Rank0 with { Host = PlanFixture.Host(new(SrunRank1) { ["HOME"] = "/home/alice" }) };
        ContainerRecord record = RecordOf(Rank0);
        Assert.Null(NodeSharing.FirstDifference(RecordOf(rank1), record));
        Assert.Contains(new RecordedMount(MountKind.Bind, "/home/alice", "/home/alice", false, null), record.Mounts);
        RecordedMount passwd = Assert.Single(record.Mounts, m => m.Target == "/etc/passwd");
        Assert.Equal((MountKind.GeneratedFile, true, 16), (passwd.Kind, passwd.ReadOnly, passwd.ContentDigest!.Length));
    }

    [Fact]
    public void AMismatchNamesTheFirstDifferenceInWords()
    {
        ContainerRecord record = RecordOf(Rank0);
        var bound = Rank0 with
        {
            Request = Rank0.Request with { Binds = [new BindSpec("/scratch", "/scratch", true)] },
            Host = Rank0.Host with
            {
                ResolvedPaths = new Dictionary<string, string?>(Rank0.Host.ResolvedPaths) { ["/scratch"] = "/scratch" },
            },
        };
        ContainerRecord other = RecordOf(bound);
        Assert.Equal("bind /scratch on /scratch (ro)", NodeSharing.FirstDifference(other, record));
        Assert.Equal("the first rank also has bind /scratch on /scratch (ro)",
            NodeSharing.FirstDifference(record, other));

        ContainerRecord fakeroot = RecordOf(Rank0 with { Request = Rank0.Request with { FakeRoot = true } });
        IdMap ids = record.Ids;
        Assert.Equal($"ids 0:0 inside ({ids.OutsideUid}:{ids.OutsideGid} outside) where the first rank has " +
            $"{ids.InsideUid}:{ids.InsideGid} inside ({ids.OutsideUid}:{ids.OutsideGid} outside)",
            NodeSharing.FirstDifference(fakeroot, record));
        Assert.Equal("a writable root where the first rank has a read-only one",
            NodeSharing.FirstDifference(record with { WritableRoot = true }, record with { WritableRoot = false }));
        Assert.Equal("generated /etc/passwd (0123456789abcdef)", NodeSharing.FirstDifference(
            record with
            {
                Mounts = [.. record.Mounts.Select(m =>
                    m.Target == "/etc/passwd" ? m with { ContentDigest = "0123456789abcdef" } : m)],
            },
            record));
        RecordedMount tmpfs = new(MountKind.Tmpfs, "/a", null, false, null);
        RecordedMount bind = new(MountKind.Bind, "/dev", "/dev", false, null);
        Assert.Equal("bind /dev on /dev, in another order",
            NodeSharing.FirstDifference(record with { Mounts = [bind, tmpfs] },
                record with { Mounts = [tmpfs, bind] }));
    }

    [Fact]
    public void RanksSharingAContainerKeepCrossMemoryAttach()
    {
        var context = PlanFixture.Context(host: PlanFixture.Host(new(SrunRank0) { ["HOME"] = "/home/alice" }));
        Assert.Equal("none", PlanFixture.Plan(context).Env()["OMPI_MCA_btl_vader_single_copy_mechanism"]);
        Assert.DoesNotContain("OMPI_MCA_btl_vader_single_copy_mechanism",
            PlanFixture.Plan(context with { NodeShared = true }).Env().Keys);
        Assert.DoesNotContain("UCX_TLS", PlanFixture.Plan(context with { NodeShared = true }).Env().Keys);
    }
}
