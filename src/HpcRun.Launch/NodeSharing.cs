using System.Security.Cryptography;
using System.Text;

namespace HpcRun.Launch;

/// <summary>
/// Which ranks share one container on a node (README, "Node-shared containers"): by default the
/// ranks one launcher process (slurmstepd, mpirun's daemon, hydra's proxy) starts for one job,
/// with the same command line, in the same directory. --join-key (or HPCRUN_JOIN_KEY) names the
/// group instead; --no-join (or HPCRUN_NO_JOIN=1) opts out. A plain launch, outside any launcher,
/// shares nothing. Pure: the group's name from the request and the process's facts.
/// </summary>
public static class NodeSharing
{
    public const string KeyVariable = "HPCRUN_JOIN_KEY", NoJoinVariable = "HPCRUN_NO_JOIN";

    /// <summary>Variables a launcher sets in each rank it starts (Native/early.c's may_join lists
    /// the same: without one of them, or a join key, the rank is already in a namespace of its own).</summary>
    public static readonly string[] RankVariables = ["SLURM_STEP_ID", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK"];

    /// <summary>Variables that tell one job (step) from another.</summary>
    public static readonly string[] JobVariables = ["SLURM_JOB_ID", "SLURM_STEP_ID", "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid"];

    /// <summary>The group's name (an abstract socket name, per user), or null when this launch shares nothing.</summary>
    /// <param name="args">hpcrun's whole command line.</param>
    public static string? GroupName(LaunchRequest request, IReadOnlyDictionary<string, string> environment, int uid, int parentPid,
        string cwd, IReadOnlyList<string> args)
    {
        string? key = request.JoinKey ?? (environment.GetValueOrDefault(KeyVariable) is { Length: > 0 } k ? k : null);
        if (request.NoJoin || (request.JoinKey is null && environment.GetValueOrDefault(NoJoinVariable) is { Length: > 0 } no && no != "0"))
            return null;
        string material;
        if (key is not null) material = $"key\0{key}";
        else if (RankVariables.Any(environment.ContainsKey))
            material = string.Join('\0', ["launcher", parentPid.ToString(), cwd,
                .. JobVariables.Select(name => $"{name}={environment.GetValueOrDefault(name)}"), .. args]);
        else return null;
        return $"hpcrun-{uid}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..32]}";
    }

    /// <summary>What every rank of a group must agree on: the ids and the mounts. The first rank
    /// hands its record to the others, who compare it with their own decision before joining.</summary>
    public static string Record(ContainerPlan plan) =>
        string.Join('\n', [$"ids {plan.Ids}", plan.WritableRoot ? "writable root" : "read-only root", .. plan.Mounts.Select(Describe)]);

    private static string Describe(MountSpec mount) => mount.Kind switch
    {
        MountKind.GeneratedFile => $"generated {mount.Target} ({Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mount.Content!)))[..16]})",
        MountKind.Tmpfs => $"tmpfs on {mount.Target}",
        _ => $"{(mount.Kind == MountKind.RecursiveBind ? "recursive bind" : "bind")} {mount.Source} on {mount.Target}{(mount.ReadOnly ? " (ro)" : "")}",
    };

    /// <summary>The first difference between a rank's record and the group's, for the error message.</summary>
    public static string FirstDifference(string ours, string group)
    {
        string[] a = ours.Split('\n'), b = group.Split('\n');
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        return i < a.Length ? a[i] : i < b.Length ? $"the first rank also has {b[i]}" : "";
    }
}
