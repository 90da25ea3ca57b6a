namespace HpcRun.Image.Build;

/// <summary>
/// A directory that untrusted paths are resolved inside, as a chroot would: absolute paths
/// start at the root, ".." stops at it, and every symlink met on the way is followed by
/// re-reading its target inside the root. What <see cref="Resolve"/> returns therefore has no
/// symlink in its parent directories and cannot name anything outside the root.
/// </summary>
public sealed class ConfinedRoot(string root)
{
    private const int MaxSymlinks = 255;

    public string Path { get; } = System.IO.Path.GetFullPath(root);

    /// <summary>The host path of <paramref name="unsafePath"/>; its last component is followed only when
    /// <paramref name="followLast"/> (never when it is about to be replaced).</summary>
    public string Resolve(string unsafePath, bool followLast = false)
    {
        var resolved = new List<string>();
        var pending = new Stack<string>(Components(unsafePath).Reverse());
        int links = 0;
        while (pending.TryPop(out string? component))
        {
            if (component == "..") { if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1); continue; }
            string candidate = HostPath([.. resolved, component]);
            if ((pending.Count > 0 || followLast) && new FileInfo(candidate).LinkTarget is { } target)
            {
                if (++links > MaxSymlinks) throw new ImageFormatException($"too many levels of symbolic links in '{unsafePath}'");
                if (target.StartsWith('/')) resolved.Clear();
                foreach (string part in Components(target).Reverse()) pending.Push(part);
                continue;
            }
            resolved.Add(component);
        }
        return HostPath(resolved);
    }

    private string HostPath(IEnumerable<string> components) => System.IO.Path.Join([Path, .. components]).TrimEnd('/');

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".");
}
