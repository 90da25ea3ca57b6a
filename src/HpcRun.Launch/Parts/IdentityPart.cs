namespace HpcRun.Launch.Parts;

/// <summary>
/// Who the job is inside: the user's own uid/gid (or 0 with --fakeroot), with matching
/// /etc/passwd and /etc/group entries so that `id`, `whoami` and ssh-less MPI launchers work
/// even when the image was built elsewhere or lacks those files.
/// </summary>
public sealed class IdentityPart : ILaunchPart
{
    private const string RootPasswd = "root:x:0:0:root:/root:/bin/sh", RootGroup = "root:x:0:";

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        bool fakeRoot = context.Request.FakeRoot;
        plan.Ids = fakeRoot ? new IdMap(0, 0, host.Uid, host.Gid) : new IdMap(host.Uid, host.Gid, host.Uid, host.Gid);
        plan.Mount(MountSpec.File("/etc/passwd",
            Merge(context.Tree.ReadText("/etc/passwd"), fakeRoot ? RootPasswd : host.PasswdLine, fakeRoot)));
        plan.Mount(MountSpec.File("/etc/group",
            Merge(context.Tree.ReadText("/etc/group"), fakeRoot ? RootGroup : host.GroupLine, fakeRoot)));
    }

    /// <summary>The image's file with <paramref name="entry"/> in place of any line with the same
    /// name or id; with <paramref name="keepImageEntry"/>, an existing line for that id wins.</summary>
    public static string Merge(string? imageFile, string entry, bool keepImageEntry)
    {
        string[] ours = entry.Split(':');
        var lines = (imageFile ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        bool Same(string line)
        {
            string[] f = line.Split(':');
            return f.Length > 2 && (f[0] == ours[0] || f[2] == ours[2]);
        }
        if (keepImageEntry && lines.Any(Same)) return string.Join('\n', lines) + "\n";
        lines.RemoveAll(Same);
        lines.Add(entry);
        return string.Join('\n', lines) + "\n";
    }
}
