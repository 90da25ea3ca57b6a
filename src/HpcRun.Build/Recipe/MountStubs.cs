using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// What a RUN's mounts leave behind: the launcher makes the mount points the tree lacks (an empty /etc/hosts,
/// /etc/resolv.conf, /proc, /sys or /dev: <see cref="RecipeStepCommand.MountPoints"/>) before it binds the host's
/// over them. Once the step is done, those that are still empty (a file of no bytes, a directory with nothing in it)
/// are removed again, and their parent directory keeps the time it had, as BuildKit's executor removes its mount stubs
/// (executor/stubs.go): the image has what the recipe wrote, not what the build needed to run it. One the recipe wrote
/// to (a file with bytes, a directory with files) stays.
/// </summary>
internal static class MountStubs
{
    /// <summary>The paths among <paramref name="mountPoints"/> and their parents (up to the root) that
    /// <paramref name="exists"/> says are missing, deepest first: what a step may make and should not leave.</summary>
    public static List<string> Missing(IEnumerable<string> mountPoints, Func<string, bool> exists)
    {
        var missing = new List<string>();
        foreach (string point in mountPoints)
            for (string path = point; path.Length > 1 && !exists(path); path = Path.GetDirectoryName(path)!)
                if (!missing.Contains(path)) missing.Add(path);
        return [.. missing.OrderByDescending(p => p.Count(c => c == '/')).ThenBy(p => p, StringComparer.Ordinal)];
    }

    /// <summary>The mount points <paramref name="tree"/> lacks now, before a step runs.</summary>
    public static List<string> Before(string tree)
    {
        using RootDir root = TreeFiles.Open(tree);
        return Missing(RecipeStepCommand.MountPoints.Select(m => m.Path), path =>
        {
            using Location? at = root.Resolve(path, RootDir.Follow.Parents);
            return at is not null && (at.Name.Length == 0 || at.Stat() is not null);
        });
    }

    /// <summary>After the step: removes each of <paramref name="missing"/> (<see cref="Before"/>) that is there now
    /// and empty, its parent directory's time kept.</summary>
    public static void Remove(string tree, List<string> missing)
    {
        if (missing.Count == 0) return;
        using RootDir root = TreeFiles.Open(tree);
        foreach (string path in missing)
        {
            using Location? at = root.Resolve(path, RootDir.Follow.Parents);
            if (at is not { Name.Length: > 0 } || at.Stat() is not { } stub) continue;
            bool directory = stub.Type == S_IFDIR;
            if (directory ? !IsEmpty(at) : stub.Type != S_IFREG || stub.Size != 0) continue;
            using SafeFileHandle? parent = root.OpenDirectory(Path.GetDirectoryName(path)!, RootDir.Follow.All);
            Statx? before = parent is null ? null : Stat(parent, "");
            if (UnlinkAt(at.Directory, at.Name, directory ? AT_REMOVEDIR : 0) != 0) continue;
            if (parent is not null && before is { } time) SetTime(parent, time.Mtime.Seconds, time.Mtime.Nanoseconds);
        }
    }

    private static bool IsEmpty(Location at)
    {
        using SafeFileHandle dir = Libc.Open(at.Directory, at.Name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        return !dir.IsInvalid && ReadDirectory(dir, out int errno).Count == 0 && errno == 0;
    }
}
