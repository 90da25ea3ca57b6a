using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace HpcRun.Launch;

/// <summary>
/// Which ranks share one container on a node (README, "Node-shared containers"): by default the
/// ranks one launcher process (slurmstepd, mpirun's daemon, hydra's proxy) starts for one job,
/// with the same hpcrun options and image, in the same directory, whatever command each runs.
/// --join-key (or HPCRUN_JOIN_KEY) names the group instead; --no-join (or HPCRUN_NO_JOIN=1, yes...) opts out.
/// A plain launch, outside any launcher, shares nothing. Pure: the group's name from hpcrun's own options and the
/// process's facts; the record the group's ranks must agree on, from the plan.
/// </summary>
public static class NodeSharing
{
    public const string KeyVariable = "HPCRUN_JOIN_KEY", NoJoinVariable = "HPCRUN_NO_JOIN";

    /// <summary>Variables that tell one job (step) from another.</summary>
    public static readonly string[] JobVariables =
        ["SLURM_JOB_ID", "SLURM_STEP_ID", "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid"];

    /// <summary>The group's name (an abstract socket name, per user), or null when this launch shares
    /// nothing.</summary>
    /// <param name="joinKey">--join-key's value, or null.</param>
    /// <param name="noJoin">--no-join was given.</param>
    /// <param name="args">hpcrun's command line up to and including the image (Native/hpcrun.h's image_at): not
    /// the job's command, so that the ranks of an MPMD job (`mpiexec -n 1 hpcrun img ./a : -n 1 hpcrun img ./b`)
    /// share one container, as their MPI's shared memory and CMA need.</param>
    public static string? GroupName(string? joinKey, bool noJoin, IReadOnlyDictionary<string, string> environment,
        int uid, int parentPid, string cwd, IReadOnlyList<string> args)
    {
        string? key = joinKey ?? (environment.GetValueOrDefault(KeyVariable) is { Length: > 0 } k ? k : null);
        if (noJoin || (joinKey is null && SettingWord.SwitchFromEnvironment(environment, NoJoinVariable))) return null;
        string material;
        if (key is not null) material = $"key\0{key}";
        else if (LauncherRank.IsLaunched(environment))
            material = string.Join('\0', ["launcher", parentPid.ToString(), cwd,
                .. JobVariables.Select(name => $"{name}={environment.GetValueOrDefault(name)}"), .. args]);
        else return null;
        return $"hpcrun-{uid}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..32]}";
    }

    /// <summary>What every rank of a group must agree on: the image, the ids and the mounts. The first rank
    /// hands its record to the others, who compare it with their own decision before joining.</summary>
    public static ContainerRecord Record(ContainerPlan plan, RecordedImage image) =>
        new(image, plan.Ids, plan.WritableRoot,
            [.. plan.Mounts.Select(m => new RecordedMount(m.Kind, m.Target, m.Source, m.ReadOnly, Digest(m.Content)))]);

    /// <summary>XxHash64, not SHA-256: it tells ranks of one user's job apart from mistakes, not from an adversary,
    /// and .NET's SHA-256 loads OpenSSL, which a rank's start would pay for.</summary>
    private static string? Digest(string? content) =>
        content is null ? null : Convert.ToHexStringLower(XxHash64.Hash(Encoding.UTF8.GetBytes(content)));

    /// <summary>The first difference between a rank's record and its group's, in words for the error
    /// message; null when they agree.</summary>
    public static string? FirstDifference(ContainerRecord ours, ContainerRecord group)
    {
        // Another image is another container, whatever its mounts: --join-key groups launches of any image.
        if (ours.Image.Identity != group.Image.Identity)
            return $"image {ours.Image.Name} where the first rank has {group.Image.Name}";
        if (ours.Ids != group.Ids) return $"ids {Describe(ours.Ids)} where the first rank has {Describe(group.Ids)}";
        if (ours.WritableRoot != group.WritableRoot)
            return ours.WritableRoot ? "a writable root where the first rank has a read-only one"
                : "a read-only root where the first rank has a writable one";
        for (int i = 0; i < Math.Max(ours.Mounts.Count, group.Mounts.Count); i++)
        {
            RecordedMount? a = ours.Mounts.ElementAtOrDefault(i), b = group.Mounts.ElementAtOrDefault(i);
            if (a == b) continue;
            if (a is not null && !group.Mounts.Contains(a)) return Describe(a);
            if (b is not null && !ours.Mounts.Contains(b)) return $"the first rank also has {Describe(b)}";
            return $"{Describe((a ?? b)!)}, in another order";
        }
        return null;
    }

    private static string Describe(IdMap ids) =>
        $"{ids.InsideUid}:{ids.InsideGid} inside ({ids.OutsideUid}:{ids.OutsideGid} outside)";

    private static string Describe(RecordedMount mount) => mount.Kind switch
    {
        MountKind.GeneratedFile => $"generated {mount.Target} ({mount.ContentDigest})",
        MountKind.Tmpfs => $"tmpfs on {mount.Target}",
        MountKind.Symlink => $"symlink {mount.Target} -> {mount.Source}",
        _ => $"bind {mount.Source} on {mount.Target}" +
            (mount.ReadOnly ? " (ro)" : ""),
    };
}

/// <summary>What the ranks sharing a node's container must agree on (<see cref="NodeSharing.Record"/>).</summary>
public sealed record ContainerRecord(RecordedImage Image, IdMap Ids, bool WritableRoot,
    IReadOnlyList<RecordedMount> Mounts);

/// <summary>The image of a <see cref="ContainerRecord"/>: <paramref name="Identity"/> tells one image from another
/// (its file's or directory's device and inode, and the file system's offset in it: "DEV:INO+OFFSET"), whatever
/// path named it; <paramref name="Name"/> is the image as its rank's user named it, for messages.</summary>
public sealed record RecordedImage(string Identity, string Name);

/// <summary>One mount of a <see cref="ContainerRecord"/>: a <see cref="MountSpec"/> with a generated
/// file's content as its digest (16 hex digits: the XxHash64 of its UTF-8 bytes).</summary>
public sealed record RecordedMount(MountKind Kind, string Target, string? Source, bool ReadOnly, string? ContentDigest);
