namespace HpcRun.Launch.Parts;

/// <summary>
/// Who the job is inside: the user's own uid/gid (or 0 with --fakeroot), with matching
/// /etc/passwd and /etc/group entries so that `id`, `whoami` and ssh-less MPI launchers work
/// even when the image was built elsewhere or lacks those files. With --fakeroot the image's root entry stays (its
/// name, gecos and shell) with the home the job has (<see cref="HomePart.HomeInside"/>: /root, or -H's DST), as
/// Apptainer's passwd template keeps uid 0's entry; an image without one gets root's. With -H the user's entry has
/// -H's DST as its home, where the home is and HOME points, as Apptainer's passwd template has the home's destination.
/// </summary>
public sealed class IdentityPart : ILaunchPart
{
    private const string RootGroup = "root:x:0:";

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        HostFacts host = context.Host;
        bool fakeRoot = context.Request.FakeRoot;
        plan.Ids = fakeRoot ? new IdMap(0, 0, host.Uid, host.Gid) : new IdMap(host.Uid, host.Gid, host.Uid, host.Gid);
        string? passwd = context.Tree.ReadText("/etc/passwd");
        plan.Mount(MountSpec.File("/etc/passwd", fakeRoot
            ? RootPasswd(passwd, HomePart.HomeInside(context.Request, host))
            : Merge(passwd, context.Request.Home is null ? host.PasswdLine
                : WithHome(host.PasswdLine, HomePart.HomeInside(context.Request, host)), keepImageEntry: false)));
        plan.Mount(MountSpec.File("/etc/group",
            Merge(context.Tree.ReadText("/etc/group"), fakeRoot ? RootGroup : host.GroupLine, fakeRoot)));
    }

    /// <summary>The image's passwd file for a job that is root: its uid 0 entry (the first) with
    /// <paramref name="home"/> as the home, or, when it has none (or one without all seven fields), root's entry
    /// with that home in place of any line named root or with uid 0.</summary>
    public static string RootPasswd(string? imageFile, string home)
    {
        var lines = (imageFile ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        int at = lines.FindIndex(line => line.Split(':') is [_, _, "0", ..]);
        if (at >= 0 && lines[at].Split(':') is { Length: 7 } fields)
        {
            fields[5] = home;
            lines[at] = string.Join(':', fields);
            return string.Join('\n', lines) + "\n";
        }
        return Merge(imageFile, $"root:x:0:0:root:{home}:/bin/sh", keepImageEntry: false);
    }

    /// <summary>A passwd <paramref name="entry"/> with <paramref name="home"/> as its home; an entry without all seven
    /// fields as it is.</summary>
    public static string WithHome(string entry, string home) =>
        entry.Split(':') is { Length: 7 } fields ? string.Join(':', fields[..5].Append(home).Append(fields[6])) : entry;

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
