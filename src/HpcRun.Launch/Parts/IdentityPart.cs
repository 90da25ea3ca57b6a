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
        // Its name (field 0) or id (field 2) is ours: read in place, not split, as every start merges both files.
        bool Same(string line)
        {
            int first = line.IndexOf(':'), second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0) return false;
            int third = line.IndexOf(':', second + 1);
            ReadOnlySpan<char> id = third < 0 ? line.AsSpan(second + 1) : line.AsSpan(second + 1, third - second - 1);
            return line.AsSpan(0, first).SequenceEqual(ours[0]) || id.SequenceEqual(ours[2]);
        }
        if (keepImageEntry && lines.Any(Same)) return string.Join('\n', lines) + "\n";
        lines.RemoveAll(Same);
        lines.Add(entry);
        return string.Join('\n', lines) + "\n";
    }
}
