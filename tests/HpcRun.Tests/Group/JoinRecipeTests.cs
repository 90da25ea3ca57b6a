using System.Text;
using HpcRun.Group;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Tests.Launch;

namespace HpcRun.Tests.Group;

/// <summary>The rule that decides whether the first rank publishes a fast join's recipe, and what it puts in
/// it (Native/hpcrun.h states the bytes; Native/ContractTests.cs holds early.c's reading to the C# side's).
/// </summary>
public class JoinRecipeTests
{
    /// <summary>An Open MPI rank's environment, in the order its launcher gives it.</summary>
    internal static string[] Rank(int rank, params string[] more) =>
    [
        "HOME=/home/alice", "PATH=/usr/bin:/bin", $"OMPI_COMM_WORLD_RANK={rank}", $"OMPI_COMM_WORLD_LOCAL_RANK={rank}",
        "PMIX_NAMESPACE=1234", $"PMIX_RANK={rank}", $"PMIX_ID=1234.{rank}", "PMIX_SERVER_TMPDIR=/tmp/ompi.node.1001",
        .. more,
    ];

    internal static LaunchContext Context(IReadOnlyList<string> entries, LaunchRequest? request = null,
        ImageConfig? config = null, Dictionary<string, string?>? files = null) =>
        PlanFixture.Context(request, PlanFixture.Host(ByName(entries)), config, files);

    internal static Dictionary<string, string> ByName(IEnumerable<string> entries) =>
        entries.Select(e => e.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    /// <summary>The recipe rank 0 publishes, from <paramref name="entries"/>.</summary>
    internal static byte[] Publish(LaunchContext context, IReadOnlyList<string> entries,
        params string[] args)
    {
        ContainerPlan plan = Planner.Decide(context);
        var launch = new JoinRecipe.Launch(args.Length > 0 ? args : ["/images/app.sqfs", "./solver"],
            context.Host.Cwd, 100, entries);
        return JoinRecipe.Build(launch, plan, "/tmp/.hpcrun-root", environment =>
            Planner.Decide(context with { Host = context.Host with { Environment = environment } }));
    }

    /// <summary>The recipe's strings after its head (magic, nine uint32s).</summary>
    private static string[] Strings(byte[] recipe) =>
        Encoding.UTF8.GetString(recipe, 40, recipe.Length - 40).TrimEnd('\0').Split('\0');

    /// <summary>The task variables' states a member may be in: the recipe's last strings.</summary>
    private static string[] States(byte[] recipe) => Strings(recipe)[^(int)BitConverter.ToUInt32(recipe, 36)..];

    [Fact]
    public void RankVariablesPassedThroughBecomeTheMembersOwn()
    {
        string[] entries = Rank(0);
        byte[] recipe = Publish(Context(entries), entries);
        Assert.Equal("HPCJ", Encoding.ASCII.GetString(recipe, 0, 4));
        Assert.Equal(JoinRecipe.Version, BitConverter.ToUInt32(recipe, 4));
        string[] strings = Strings(recipe);
        // The job's environment: a bare name for each rank variable, values for the rest.
        Assert.Contains("OMPI_COMM_WORLD_RANK", strings);
        Assert.Contains("PMIX_RANK", strings);
        Assert.Contains("PMIX_ID", strings);
        Assert.Contains("PMIX_NAMESPACE=1234", strings);
        Assert.DoesNotContain("PMIX_NAMESPACE", strings);
        Assert.Contains("OMPI_COMM_WORLD_RANK=0", strings); // in the caller's environment, to compare with
    }

    [Fact]
    public void AValueBuiltFromARankVariableMeansNoRecipe()
    {
        string[] entries = Rank(0);
        var request = new LaunchRequest { Image = "/images/app.sqfs", EnvAssignments = ["MY_RANK=$PMIX_RANK"] };
        Assert.Empty(Publish(Context(entries, request), entries));
        string[] prefixed = Rank(0, "APPTAINERENV_MY_RANK=r${OMPI_COMM_WORLD_RANK}");
        Assert.Empty(Publish(Context(prefixed), prefixed));
    }

    [Fact]
    public void ARankVariableTheJobDoesNotGetIsNoHindrance()
    {
        string[] entries = Rank(0);
        byte[] recipe = Publish(Context(entries, new LaunchRequest { Image = "/images/app.sqfs", CleanEnv = true }),
            entries);
        Assert.NotEmpty(recipe);
        Assert.DoesNotContain("PMIX_RANK", Strings(recipe));
    }

    [Fact]
    public void AValueTheUserGaveIsTheUsers()
    {
        string[] entries = Rank(0);
        var request = new LaunchRequest { Image = "/images/app.sqfs", EnvAssignments = ["PMIX_RANK=7"] };
        string[] strings = Strings(Publish(Context(entries, request), entries));
        Assert.Contains("PMIX_RANK=7", strings);
        Assert.DoesNotContain("PMIX_RANK", strings);
    }

    [Fact]
    public void AMessageToShowOrARepeatedRankVariableMeansNoRecipe()
    {
        string[] entries = Rank(0);
        var warned = PlanFixture.Context(new LaunchRequest { Image = "/images/app.sqfs", Command = ["./solver"] },
            PlanFixture.Host(ByName(entries)), files: new Dictionary<string, string?>
            {
                ["/.singularity.d/env"] = null,
                ["/.singularity.d/env/90-environment.sh"] = "export A=1\nexport PATH=/opt/bin:$PATH\n",
            }); // scripts that need a shell, but no /bin/sh: a warning
        Assert.NotEmpty(Planner.Decide(warned).Messages);
        Assert.Empty(Publish(warned, entries));
        string[] repeated = [.. entries, "PMIX_RANK=9"];
        Assert.Empty(Publish(Context(repeated), repeated));
    }

    [Fact]
    public void ADeletedWorkingDirectoryMeansNoRecipe()
    {
        string[] entries = Rank(0);
        var context = PlanFixture.Context(host: PlanFixture.Host(ByName(entries)) with { Cwd = null });
        Assert.Empty(Publish(context, entries));
    }

    /// <summary>Slurm's TMPDIR=/tmp, which only the first task it starts has: a member may have it or lack it
    /// whether the first rank has it or not, and the job's entry is the member's own, or none.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ATaskVariableTheJobOnlyGetsMayBeThereOrNot(bool firstHasIt)
    {
        string[] entries = firstHasIt ? Rank(0, "TMPDIR=/tmp") : Rank(0);
        byte[] recipe = Publish(Context(entries), entries);
        Assert.Equal(["TMPDIR", "TMPDIR=/tmp"], States(recipe).Order());
        string[] strings = Strings(recipe)[..^2];
        Assert.Contains("TMPDIR", strings);
        Assert.DoesNotContain(strings, s => s.StartsWith("TMPDIR=") && s != "TMPDIR=/tmp");
        Assert.Equal(firstHasIt, strings.Contains("TMPDIR=/tmp")); // in the caller's environment only
    }

    /// <summary>A TMPDIR that the MPI part binds (a directory no other mount provides) changes the job: only a
    /// member with the first rank's value may take the fast join. A value the user set inside is everyone's, but
    /// for where it stands among the others: a member may lack TMPDIR as the first rank does.</summary>
    [Fact]
    public void ATaskVariableThePlanReadsAdmitsOnlyTheStatesThatGiveTheSameJob()
    {
        string[] entries = Rank(0, "TMPDIR=/scratch/job");
        var host = PlanFixture.Host(ByName(entries), resolved: new Dictionary<string, string?>
        {
            ["/home/alice"] = "/home/alice",
            ["/scratch/job"] = "/scratch/job",
        });
        var context = PlanFixture.Context(host: host);
        Assert.Contains(Planner.Decide(context).Mounts, m => m.Target == "/scratch/job");
        byte[] recipe = Publish(context, entries);
        Assert.Equal(["TMPDIR=/scratch/job"], States(recipe));
        Assert.Contains("TMPDIR", Strings(recipe));

        var userSet = PlanFixture.Context(new LaunchRequest
        {
            Image = "/images/app.sqfs",
            EnvAssignments =
            ["TMPDIR=/inside"]
        }, PlanFixture.Host(ByName(Rank(0))));
        recipe = Publish(userSet, Rank(0));
        Assert.Equal(["TMPDIR"], States(recipe));
        Assert.Contains("TMPDIR=/inside", Strings(recipe));
        Assert.DoesNotContain("TMPDIR", Strings(recipe)[..^1]);
    }
}
