using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class NodeSharingTests
{
    private static readonly LaunchRequest Request = new() { Image = "/images/app.sqfs", Command = ["./solver"] };
    private static readonly string[] Args = ["/images/app.sqfs", "./solver"];
    private static readonly Dictionary<string, string> SrunRank0 = new() { ["SLURM_JOB_ID"] = "7", ["SLURM_STEP_ID"] = "0", ["SLURM_PROCID"] = "0" };
    private static readonly Dictionary<string, string> SrunRank1 = new() { ["SLURM_JOB_ID"] = "7", ["SLURM_STEP_ID"] = "0", ["SLURM_PROCID"] = "1" };

    private static string? Name(Dictionary<string, string> env, LaunchRequest? request = null, int uid = 1001, int parent = 300,
        string cwd = "/home/alice/run", string[]? args = null) =>
        NodeSharing.GroupName(request ?? Request, env, uid, parent, cwd, args ?? Args);

    [Fact]
    public void APlainLaunchSharesNothing() => Assert.Null(Name(new() { ["HOME"] = "/home/alice", ["SLURM_JOB_ID"] = "7" }));

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
        var keyed = Request with { JoinKey = "coupled" };
        string? name = Name([], keyed);
        Assert.NotNull(name);
        Assert.Equal(name, Name(SrunRank0, keyed, parent: 999, cwd: "/elsewhere", args: ["other"]));
        Assert.Equal(name, Name(new() { [NodeSharing.KeyVariable] = "coupled" }));
        Assert.NotEqual(name, Name([], Request with { JoinKey = "other" }));
    }

    [Fact]
    public void NoJoinOptsOut()
    {
        Assert.Null(Name(SrunRank0, Request with { NoJoin = true }));
        Assert.Null(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "1" }));
        Assert.NotNull(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "0" }));
        Assert.NotNull(Name(new(SrunRank0) { [NodeSharing.NoJoinVariable] = "1" }, Request with { JoinKey = "k" }));
    }

    [Fact]
    public void TheRecordHoldsWhatRanksMustAgreeOnAndNothingPerRank()
    {
        var rank0 = PlanFixture.Context(host: PlanFixture.Host(new(SrunRank0) { ["HOME"] = "/home/alice" }), files: new() { ["/bin/sh"] = "", ["/etc/passwd"] = "root:x:0:0::/root:/bin/sh\n" });
        var rank1 = rank0 with { Host = PlanFixture.Host(new(SrunRank1) { ["HOME"] = "/home/alice" }) };
        string record = NodeSharing.Record(PlanFixture.Plan(rank0));
        Assert.Equal(record, NodeSharing.Record(PlanFixture.Plan(rank1)));
        Assert.Contains("ids IdMap", record);
        Assert.Contains("bind /home/alice on /home/alice", record);
        Assert.Contains("generated /etc/passwd (", record);

        var fakeroot = rank0 with { Request = rank0.Request with { FakeRoot = true } };
        Assert.NotEqual(record, NodeSharing.Record(PlanFixture.Plan(fakeroot)));
        var bound = rank0 with { Request = rank0.Request with { Binds = [new BindSpec("/scratch", "/scratch", true)] },
            Host = rank0.Host with { ResolvedPaths = new Dictionary<string, string?>(rank0.Host.ResolvedPaths) { ["/scratch"] = "/scratch" } } };
        string other = NodeSharing.Record(PlanFixture.Plan(bound));
        Assert.Equal("bind /scratch on /scratch (ro)", NodeSharing.FirstDifference(other, record));
        Assert.Equal("the first rank also has bind /scratch on /scratch (ro)", NodeSharing.FirstDifference(record, other));
    }

    [Fact]
    public void RanksSharingAContainerKeepCrossMemoryAttach()
    {
        var context = PlanFixture.Context(host: PlanFixture.Host(new(SrunRank0) { ["HOME"] = "/home/alice" }));
        Assert.Equal("none", PlanFixture.Plan(context).Env()["OMPI_MCA_btl_vader_single_copy_mechanism"]);
        Assert.DoesNotContain("OMPI_MCA_btl_vader_single_copy_mechanism", PlanFixture.Plan(context with { NodeShared = true }).Env().Keys);
        Assert.DoesNotContain("UCX_TLS", PlanFixture.Plan(context with { NodeShared = true }).Env().Keys);
    }
}
