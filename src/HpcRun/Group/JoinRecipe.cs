using System.Text;
using HpcRun.Apply;
using HpcRun.Host;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Native;
using Serilog;
using Serilog.Events;

namespace HpcRun.Group;

/// <summary>
/// The fast join's recipe (Native/hpcrun.h states its bytes): the first rank's launch and the job it decided,
/// which a member whose launch is the same, but for the values of <see cref="RankVariables"/>, starts from
/// early.c without the .NET runtime. The rule that makes that exact: the member's hpcrun arguments, working
/// directory, gid and environment entries (names, order, every other value) equal the first rank's, so the
/// C# side would read the same facts (the node's files aside, which the first rank read moments before) and
/// decide the same job but where the plan used a rank variable. Where it did, the first rank decides the job a
/// second time with every rank variable changed: the entries that changed with them, and only those, must be
/// that variable passed through unchanged, and become the member's own value. Any other difference (an entry
/// built from one, `--env 'R=$PMI_RANK'`; a mount, the argv, a message), a message to show, or more logging than
/// the default: no recipe, and every member takes the C# path.
/// </summary>
internal static class JoinRecipe
{
    /// <summary>Native/hpcrun.h: HPCRUN_RANK_VARIABLES.</summary>
    public static readonly string[] RankVariables =
    [
        "SLURM_PROCID", "SLURM_LOCALID", "SLURM_TASK_PID", "PMIX_RANK", "PMIX_ID", "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_NODE_RANK", "OMPI_MCA_ess_base_vpid",
        "OMPI_MCA_orte_ess_node_rank", "PMI_RANK", "PMI_FD", "MPI_LOCALRANKID",
    ];

    /// <summary>Native/hpcrun.h: HPCRUN_FAST_JOIN_VARIABLE (a switch, on by default).</summary>
    public const string FastJoinVariable = "HPCRUN_FAST_JOIN";
    public const string Magic = "HPCJ";
    public const uint Version = 1;

    /// <summary>What the first rank's launch was: its arguments after argv[0], working directory (null: deleted),
    /// gid and environment entries (NAME=VALUE, in order), as early.c sees a member's.</summary>
    public sealed record Launch(IReadOnlyList<string> Arguments, string? Cwd, int Gid,
        IReadOnlyList<string> EnvironmentEntries);

    /// <summary>The recipe for <paramref name="plan"/>, decided from <paramref name="launch"/>, whose container
    /// root is <paramref name="root"/>; <paramref name="replan"/> decides again from another host environment.
    /// Empty when members must decide their jobs themselves.</summary>
    public static byte[] Build(Launch launch, ContainerPlan plan, string root,
        Func<IReadOnlyDictionary<string, string>, ContainerPlan> replan)
    {
        if (launch.Cwd is null || plan.Messages.Any(m => m.Level != MessageLevel.Debug)) return [];
        if (launch.EnvironmentEntries.Any(e => !e.Contains('='))) return [];
        var names = launch.EnvironmentEntries.Select(e => e[..e.IndexOf('=')]).ToList();
        var host = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in launch.EnvironmentEntries)
            host[entry[..entry.IndexOf('=')]] = entry[(entry.IndexOf('=') + 1)..];
        string[] present = [.. RankVariables.Where(host.ContainsKey)];
        if (present.Any(name => names.Count(n => n == name) > 1)) return [];
        var changed = new Dictionary<string, string>(host, StringComparer.Ordinal);
        foreach (string name in present) changed[name] = $"{host[name]}\u0001other rank";
        ContainerPlan other = present.Length > 0 ? replan(changed) : plan;
        if (!SameJobBesidesEnvironment(plan, other) || plan.Environment.Count != other.Environment.Count) return [];
        var environment = new List<string>();
        for (int i = 0; i < plan.Environment.Count; i++)
        {
            var (name, value) = plan.Environment[i];
            if (other.Environment[i].Key != name) return [];
            if (other.Environment[i].Value == value) environment.Add($"{name}={value}");
            else if (present.Contains(name) && value == host[name] && other.Environment[i].Value == changed[name])
                environment.Add(name);
            else return [];
        }
        string[] strings =
        [
            launch.Cwd, .. launch.Arguments, .. launch.EnvironmentEntries, root, plan.WorkingDirectory,
            ChildProcess.SearchPath(plan.Environment), .. plan.Argv, .. environment,
        ];
        return strings.Any(s => s.Contains('\0')) ? [] : Encode(launch, plan, strings, environment.Count);
    }

    private static bool SameJobBesidesEnvironment(ContainerPlan a, ContainerPlan b) =>
        a.Argv.SequenceEqual(b.Argv) && a.WorkingDirectory == b.WorkingDirectory && a.Ids == b.Ids
        && a.WritableRoot == b.WritableRoot && a.Mounts.SequenceEqual(b.Mounts) && a.Messages.SequenceEqual(b.Messages);

    private static byte[] Encode(Launch launch, ContainerPlan plan, string[] strings, int environmentCount)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            uint[] head = [Version, (uint)launch.Gid, plan.Ids.InsideUid == 0 ? 1u : 0u,
                (uint)launch.Arguments.Count, (uint)launch.EnvironmentEntries.Count, (uint)plan.Argv.Count,
                (uint)environmentCount];
            foreach (uint number in head) writer.Write(number);
            foreach (string text in strings)
            {
                writer.Write(RawText.Encode(text));
                writer.Write((byte)0);
            }
        }
        return bytes.ToArray();
    }

    /// <summary>The recipe for the first rank's <paramref name="plan"/>, decided in <paramref name="context"/>,
    /// deciding again from the image as <paramref name="container"/> hands it to members. Empty when hpcrun
    /// logs more than warnings (members would log what the fast join cannot) or anything went wrong: members
    /// then decide their jobs themselves.</summary>
    public static byte[] ForFirstRank(LaunchContext context, ContainerPlan plan, SharedContainer container)
    {
        if (Log.IsEnabled(LogEventLevel.Information)) return [];
        try
        {
            using var lower = new ContainerRoot($"/proc/self/fd/{container.Image}");
            var launch = new Launch(Invocation.Arguments(), context.Host.Cwd, EarlyNamespace.OuterGid(),
                Invocation.EnvironmentEntries);
            return Build(launch, plan, Staging.Root, environment => Planner.Decide(context with
            {
                Tree = lower.Tree,
                Host = context.Host with { Environment = environment },
            }));
        }
        catch (Exception e)
        {
            Log.Debug("no fast join for this node's members: {Error}", e.Message);
            return [];
        }
    }
}
