using HpcRun.Build;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;

namespace HpcRun.Tools.Verbs.Registry;

/// <summary>What killed pulls left in the image cache's image directory: their scratch directories
/// (.hpcrun-pull.*, and the build's .hpcrun-build.* in it; <see cref="ScratchDirectories"/>) and the lock files of
/// images never completed (HEX.lock without HEX.sif: a pull removes its own when it ends, failed or not). Each is a
/// leftover only when no process holds its lock, tested by taking it as the next pull would, so a pull under way
/// keeps its own.</summary>
internal static class PullLeftovers
{
    /// <summary>Removes the leftovers of <paramref name="cache"/> (with <paramref name="dryRun"/>, removes nothing);
    /// returns how many there were and the bytes of their files.</summary>
    /// <exception cref="IOException">The image directory cannot be read.</exception>
    public static (int Count, long Bytes) Sweep(ImageCache cache, bool dryRun)
    {
        if (!Directory.Exists(cache.ImageDirectory)) return (0, 0);
        List<(string Path, long Bytes)> scratch = ScratchDirectories.Sweep(cache.ImageDirectory, dryRun);
        int locks = 0;
        foreach (string lockFile in Directory.EnumerateFiles(cache.ImageDirectory, "*.lock"))
            if (!File.Exists(Path.ChangeExtension(lockFile, ".sif")) && RemoveIdle(lockFile, dryRun))
                locks++;
        return (scratch.Count + locks, scratch.Sum(s => s.Bytes));
    }

    /// <summary>Removes the lock file <paramref name="lockFile"/> when no process holds it (with
    /// <paramref name="dryRun"/>, removes nothing); whether no process held it. It is removed under its lock, so a
    /// pull that waited on it locks a new one (<see cref="FileLock.Remove"/>).</summary>
    public static bool RemoveIdle(string lockFile, bool dryRun = false)
    {
        FileLock? free;
        try { free = FileLock.TryTake(lockFile); }
        catch (IOException) { return false; } // not this user's
        if (free is null) return false; // a pull of it runs
        if (dryRun) free.Dispose();
        else free.Remove();
        return true;
    }
}
