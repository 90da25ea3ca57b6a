using HpcRun.Build.Recipe;
using HpcRun.Image.Posix;

namespace HpcRun.Build;

/// <summary>
/// The scratch directories a build or pull makes beside OUT (.hpcrun-build.*, a `--no-cache` recipe build's
/// .hpcrun-recipe.*, .hpcrun-pull.*), and `hpcrun bench`'s (.hpcrun-bench.*, in TMPDIR or a job's directory):
/// each holds an exclusive lock on its .lock file while its build runs, so one whose lock can be taken is a killed
/// build's (SIGKILL, a node's crash), and the next build, pull or bench that writes into the same directory removes
/// it (<see cref="Sweep(string, bool)"/>); the recipe build cache sweeps its own scratch directories the same way
/// (<see cref="Sweep(string, string[], bool)"/>). The lock file is locked under another name and then renamed .lock,
/// so that no sweeper sees a running build's directory unlocked.
/// </summary>
public static class ScratchDirectories
{
    private static readonly string[] Prefixes =
        [".hpcrun-build.", ".hpcrun-recipe.", ".hpcrun-pull.", ".hpcrun-bench."];
    private const string LockName = ".lock", NewLockName = ".lock.new";

    /// <summary>Locks the new, empty scratch directory <paramref name="path"/> until the lock is disposed.</summary>
    /// <exception cref="IOException">The lock file cannot be made, locked or renamed.</exception>
    public static FileLock Hold(string path)
    {
        FileLock held = FileLock.Take(Path.Combine(path, NewLockName));
        try { File.Move(Path.Combine(path, NewLockName), Path.Combine(path, LockName)); }
        catch
        {
            held.Dispose();
            throw;
        }
        return held;
    }

    /// <summary>Removes the scratch directories in <paramref name="directory"/> whose build is gone: this user's
    /// own directories (not symlinks) whose .lock no process holds. One without a lock file (an older hpcrun's, or
    /// one killed before it had its lock) or another user's is left alone, and so is one that cannot be removed now
    /// (a helper of the killed build still writing there), for the next time. Returns those removed (with
    /// <paramref name="dryRun"/>: those that would be, none removed), each with the bytes of its files.</summary>
    public static List<(string Path, long Bytes)> Sweep(string directory, bool dryRun = false) =>
        Sweep(directory, Prefixes, dryRun);

    /// <summary><see cref="Sweep(string, bool)"/> of the directories whose names start with one of
    /// <paramref name="prefixes"/> (each starting with "."): a recipe build cache's.</summary>
    public static List<(string Path, long Bytes)> Sweep(string directory, string[] prefixes, bool dryRun)
    {
        List<string> found;
        try { found = [.. Directory.EnumerateFileSystemEntries(directory, ".*")]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
        List<(string, long)> swept = [];
        foreach (string path in found.Where(p => prefixes.Any(Path.GetFileName(p).StartsWith)))
        {
            string lockFile = Path.Combine(path, LockName);
            if (Libc.Stat(Libc.Cwd, path) is not { Type: Libc.S_IFDIR } scratch || scratch.Uid != Libc.EffectiveUid
                || Libc.Stat(Libc.Cwd, lockFile) is not { Type: Libc.S_IFREG })
                continue;
            FileLock? gone;
            try { gone = FileLock.TryTake(lockFile); }
            catch (IOException) { continue; } // removed meanwhile by another sweep
            if (gone is null) continue; // its build runs
            using (gone)
            {
                long bytes = Bytes(path);
                if (!dryRun)
                    try { TreeCopy.Remove(path); }
                    catch (ImageBuildException) { continue; }
                swept.Add((path, bytes));
            }
        }
        return swept;
    }

    /// <summary>The bytes of the files under <paramref name="path"/>, as far as they can be read.</summary>
    public static long Bytes(string path) =>
        new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
        }).Sum(f => f.LinkTarget is null ? f.Length : 0);
}
