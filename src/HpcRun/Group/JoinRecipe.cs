using System.Text;
using HpcRun.Apply;
using HpcRun.Host;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Native;
using Serilog;
using Serilog.Events;

namespace HpcRun.Group;

/// <summary>
/// The fast join's recipe (Native/hpcrun.h states its bytes): the first rank's launch and the job it decided,
/// which a member whose launch is the same, but for the values of <see cref="RankVariables"/> and the presence
/// or value of <see cref="TaskVariables"/>, starts from early.c without the .NET runtime. The rule that makes that
/// exact: the member's hpcrun arguments, working directory, gid and environment entries (names, order, every other
/// value) equal the first rank's, so the C# side would read the same facts (the node's files aside, which the
/// first rank read moments before) and decide the same job but where the plan used one of those variables. Where
/// it did, the first rank decides the job again: once with every rank variable changed, where the entries that
/// changed with them, and only those, must be that variable passed through unchanged, and become the member's own
/// value; and for each task variable once per state a member may be in (absent, the first rank's value, the value
/// a launcher gives the one task that has it), where the job must be the same but for that variable's own entry,
/// which must be absent or the value passed through: a state that passes lets a member in it fast-join, and the
/// job's entry becomes the member's own, or none. Any other difference (an entry built from one,
/// `--env 'R=$PMI_RANK'`; a mount, the argv, a message), a message to show, or more logging than the default: no
/// recipe, and every member takes the C# path.
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

    /// <summary>Native/hpcrun.h: HPCRUN_TASK_VARIABLES, each with the value a launcher gives the tasks that have
    /// it: Slurm 22.05's slurmstepd sets TMPDIR=/tmp for the first task it starts on a node, when the job has no
    /// TMPDIR of its own, and for no other (measured: `srun -n 4 env`).</summary>
    public static readonly (string Name, string Given)[] TaskVariables = [("TMPDIR", "/tmp")];

    /// <summary>Native/hpcrun.h: HPCRUN_FAST_JOIN_VARIABLE (a switch, on by default).</summary>
    public const string FastJoinVariable = "HPCRUN_FAST_JOIN";
    public const string Magic = "HPCJ";
    public const uint Version = 3;

    /// <summary>What the first rank's launch was: its arguments after argv[0], working directory (null: deleted),
    /// gid and environment entries (NAME=VALUE, in order), as early.c sees a member's.</summary>
    public sealed record Launch(IReadOnlyList<string> Arguments, string? Cwd, int Gid,
        IReadOnlyList<string> EnvironmentEntries);

    /// <summary>The recipe for <paramref name="plan"/>, decided from <paramref name="launch"/>, whose container
    /// root is <paramref name="root"/>; <paramref name="replan"/> decides again from another host environment.
    /// Empty when members must decide their jobs themselves (also when the plan has no job to exec, only
    /// <see cref="ContainerPlan.Output"/>).</summary>
    public static byte[] Build(Launch launch, ContainerPlan plan, string root,
        Func<IReadOnlyDictionary<string, string>, ContainerPlan> replan)
    {
        if (launch.Cwd is null || plan.Output is not null || plan.Messages.Any(m => m.Level != MessageLevel.Debug))
            return [];
        if (launch.EnvironmentEntries.Any(e => !e.Contains('='))) return [];
        var names = launch.EnvironmentEntries.Select(e => e[..e.IndexOf('=')]).ToList();
        var host = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in launch.EnvironmentEntries)
            host[entry[..entry.IndexOf('=')]] = entry[(entry.IndexOf('=') + 1)..];
        if (RankVariables.Concat(TaskVariables.Select(v => v.Name)).Any(name => names.Count(n => n == name) > 1))
            return [];
        if (WithRankVariables(plan, host, replan) is not { } environment) return [];
        var states = new List<string>();
        foreach (var (name, given) in TaskVariables)
            environment = WithTaskVariable(name, given, plan, host, replan, environment, states);
        string[] strings =
        [
            launch.Cwd, .. launch.Arguments, .. launch.EnvironmentEntries, root, plan.WorkingDirectory,
            ChildProcess.SearchPath(plan.Environment), .. plan.Argv, .. environment, .. states,
        ];
        return strings.Any(s => s.Contains('\0'))
            ? [] : Encode(launch, plan, strings, environment.Count, states.Count);
    }

    /// <summary>The job's environment entries as the recipe states them: NAME=VALUE, or a bare NAME of a rank
    /// variable the plan passed through unchanged; null when a rank variable's value mattered otherwise.</summary>
    private static List<string>? WithRankVariables(ContainerPlan plan, Dictionary<string, string> host,
        Func<IReadOnlyDictionary<string, string>, ContainerPlan> replan)
    {
        string[] present = [.. RankVariables.Where(host.ContainsKey)];
        var changed = new Dictionary<string, string>(host, StringComparer.Ordinal);
        foreach (string name in present) changed[name] = $"{host[name]}\u0001other rank";
        ContainerPlan other = present.Length > 0 ? replan(changed) : plan;
        if (!SameJobBesidesEnvironment(plan, other) || plan.Environment.Count != other.Environment.Count) return null;
        var environment = new List<string>();
        for (int i = 0; i < plan.Environment.Count; i++)
        {
            var (name, value) = plan.Environment[i];
            if (other.Environment[i].Key != name) return null;
            if (other.Environment[i].Value == value) environment.Add($"{name}={value}");
            else if (present.Contains(name) && value == host[name] && other.Environment[i].Value == changed[name])
                environment.Add(name);
            else return null;
        }
        return environment;
    }

    /// <summary><paramref name="environment"/> (aligned with the plan's) with the task variable
    /// <paramref name="name"/>'s entry as the recipe states it, having added to <paramref name="states"/> the
    /// states a member may be in (NAME: without it; NAME=VALUE: with that value). Where the first rank's job has
    /// its own state passed through, the entry becomes a bare NAME (the member's own entry, or none), and a state
    /// passes when its job is the plan's but for that entry, passed through at the same place; otherwise the entry
    /// stays, and a state passes when its job is the plan's.</summary>
    private static List<string> WithTaskVariable(string name, string given, ContainerPlan plan,
        Dictionary<string, string> host, Func<IReadOnlyDictionary<string, string>, ContainerPlan> replan,
        List<string> environment, List<string> states)
    {
        string? own = host.GetValueOrDefault(name), entry = Value(plan, name);
        bool passedThrough = entry == own;
        int? at = entry is null ? null : Position(plan, name);
        foreach (string? state in new[] { own, null, given }.Distinct())
        {
            var changed = new Dictionary<string, string>(host, StringComparer.Ordinal);
            if (state is null) changed.Remove(name); else changed[name] = state;
            ContainerPlan other = state == own ? plan : replan(changed);
            string? expected = passedThrough ? state : entry;
            if (!SameJobBesidesEnvironment(plan, other) || !Without(plan, name).SequenceEqual(Without(other, name))
                || Value(other, name) != expected || (expected is not null && (at ??= Position(other, name))
                    != Position(other, name)))
                continue;
            states.Add(state is null ? name : $"{name}={state}");
        }
        if (!passedThrough) return environment;
        var result = environment.Where(e => e != name && !e.StartsWith($"{name}=", StringComparison.Ordinal)).ToList();
        if (at is { } position) result.Insert(position, name);
        return result;
    }

    /// <summary>The job's value of <paramref name="name"/>; null when unset. A loop: a Select after a Where is a
    /// generic virtual call, which NativeAOT resolves at run time with its type loader (ApptainerVariables.Find).
    /// </summary>
    private static string? Value(ContainerPlan plan, string name)
    {
        foreach ((string key, string value) in plan.Environment)
            if (key == name) return value;
        return null;
    }

    private static IEnumerable<KeyValuePair<string, string>> Without(ContainerPlan plan, string name) =>
        plan.Environment.Where(e => e.Key != name);

    /// <summary>How many of the job's other entries precede <paramref name="name"/>'s.</summary>
    private static int Position(ContainerPlan plan, string name) =>
        plan.Environment.TakeWhile(e => e.Key != name).Count();

    private static bool SameJobBesidesEnvironment(ContainerPlan a, ContainerPlan b) =>
        a.Argv.SequenceEqual(b.Argv) && a.WorkingDirectory == b.WorkingDirectory && a.Ids == b.Ids
        && a.WritableRoot == b.WritableRoot && a.Mounts.SequenceEqual(b.Mounts) && a.Messages.SequenceEqual(b.Messages);

    private static byte[] Encode(Launch launch, ContainerPlan plan, string[] strings, int environmentCount,
        int stateCount)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            uint[] head = [Version, (uint)launch.Gid, plan.Ids.InsideUid == 0 ? 1u : 0u, (uint)plan.WrappedJob,
                (uint)launch.Arguments.Count, (uint)launch.EnvironmentEntries.Count, (uint)plan.Argv.Count,
                (uint)environmentCount, (uint)stateCount];
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
                Host = context.Host with
                {
                    Environment = environment,
                    ResolvedPaths = Resolved(context.Host.ResolvedPaths, environment),
                },
            }));
        }
        catch (Exception e)
        {
            Log.Debug("no fast join for this node's members: {Error}", e.Message);
            return [];
        }
    }

    /// <summary>The host paths the first rank resolved, with those a part may bind from
    /// <paramref name="environment"/> (a task variable's directory: TMPDIR) resolved as
    /// <see cref="HostFactsReader"/> resolves them for a member that has it.</summary>
    private static Dictionary<string, string?> Resolved(IReadOnlyDictionary<string, string?> known,
        IReadOnlyDictionary<string, string> environment)
    {
        var resolved = new Dictionary<string, string?>(known);
        foreach (string path in MpiPart.HostPaths(environment))
            if (!resolved.ContainsKey(path)) resolved[path] = RealPath.Resolve(path);
        return resolved;
    }
}
