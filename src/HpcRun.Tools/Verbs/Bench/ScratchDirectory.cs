using System.Security.Cryptography;
using HpcRun.Build;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// Where the benchmarks write their programs, inputs and copies: made when first asked for, removed with
/// everything in it at the end. Local benchmarks use the node's temporary directory (TMPDIR, else /tmp);
/// MPI ranks on other nodes need a directory they all see, so in a Slurm allocation it is made in the
/// current directory (a job's directory is on a shared file system, and hpcrun binds it in). It is locked while
/// bench runs, as a build's scratch directory is: a killed bench's (its copy of an image's tree can be large) is
/// removed by the next bench, build or pull there (<see cref="ScratchDirectories"/>).
/// </summary>
internal sealed class ScratchDirectory : IDisposable
{
    private const string Prefix = ".hpcrun-bench.";
    private readonly string parent;
    private string? path;
    private FileLock? held;

    /// <summary>Removes what killed benches left where this one makes its directory.</summary>
    public ScratchDirectory(bool shared)
    {
        parent = shared ? Directory.GetCurrentDirectory() : System.IO.Path.GetTempPath();
        ScratchDirectories.Sweep(parent);
    }

    public string Path => path ??= Create();

    public void Dispose()
    {
        using (held)
        {
            if (path is null || !Directory.Exists(path)) return;
            // A tree copied out of an image may hold read-only directories: make them writable to empty them.
            foreach (string dir in Directory.EnumerateDirectories(path, "*", Recursive))
                File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | Owner);
            Directory.Delete(path, recursive: true);
        }
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
        string name = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        string dir = System.IO.Path.Combine(parent, name);
        // mkdir(2) itself, not Directory.CreateDirectory, which takes a directory (or a symlink to one) already there.
        if (Libc.MkdirAt(Libc.Cwd, dir, 0b111_000_000) != 0)
            throw new PosixException($"cannot make {Shown.Path(dir)}", Libc.Errno);
        try { held = ScratchDirectories.Hold(dir); }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
        return dir;
    }
}
