namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// Where the benchmarks write their programs, inputs and copies: made when first asked for, removed with
/// everything in it at the end. Local benchmarks use the node's temporary directory (TMPDIR, else /tmp);
/// MPI ranks on other nodes need a directory they all see, so in a Slurm allocation it is made in the
/// current directory (a job's directory is on a shared file system, and hpcrun binds it in).
/// </summary>
internal sealed class ScratchDirectory(bool shared) : IDisposable
{
    private string? path;

    public string Path => path ??= Create();

    public void Dispose()
    {
        if (path is null || !Directory.Exists(path)) return;
        // A tree copied out of an image may hold read-only directories: make them writable to empty them.
        foreach (string dir in Directory.EnumerateDirectories(path, "*", Recursive))
            File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | Owner);
        Directory.Delete(path, recursive: true);
    }

    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Every entry under a directory, symbolic links not followed, unreadable ones left out.</summary>
    internal static readonly EnumerationOptions Recursive = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = true,
    };

    private string Create()
    {
        if (!shared) return Directory.CreateTempSubdirectory("hpcrun-bench-").FullName;
        string dir = System.IO.Path.Combine(Directory.GetCurrentDirectory(),
            $".hpcrun-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir, Owner);
        return dir;
    }
}
