using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Build.Recipe;

/// <summary>
/// The recipe build cache: one entry per completed step that changed the tree (FROM, RUN, COPY, ADD), named by a
/// key chained from the key of the step that made the tree it starts from and what can change its files: the
/// instruction's text (with its flags), RUN's command, environment and working directory, COPY's and ADD's
/// destinations and the content of their sources. Editing the last RUN of a recipe re-runs only that RUN, and an
/// instruction that changes only the image's config (LABEL, ENV, CMD...) re-runs none by itself. An entry is a
/// directory KEY/ with the stage's state (state.json) and the tree (rootfs/; a FROM whose image is read again as
/// cheaply as a copy may have none), made under a temporary name in the build's scratch directory and renamed whole
/// when the build ends (<see cref="Commit"/>), once flushed to disk, so an interrupted build leaves only completed
/// steps and a crash no step that lost its bytes; the flushes run on a thread of their own while the build goes on.
/// A tree a build no longer changes is moved in (<see cref="Store"/>), not copied: a build keeps its scratch trees
/// in <see cref="Scratch"/>, on the cache's file system. Null <see cref="Root"/>: --no-cache,
/// nothing read or kept. A build holds a shared lock on the cache (ROOT/.lock) while it runs, and
/// <see cref="Clean"/> an exclusive one: `hpcrun cache clean` never removes what a running build reads or writes.
/// Each build also holds an exclusive lock on its scratch directory's .lock (taken before the directory gets its
/// name, so that no one sees it unlocked): the scratch directory of a build that was killed (SIGKILL, a node's
/// crash) is one whose lock can be taken, and the next build or `cache clean` removes it, while running builds
/// go on (<see cref="Sweep"/>).
/// </summary>
internal sealed class BuildCache : IDisposable
{
    private const string TemporaryPrefix = ".tmp-", ScratchPrefix = ".tmp-build-", NewPrefix = ".tmp-new-";
    private const string LockName = ".lock";
    /// <summary>In an entry whose tree shares files with another entry's (<see cref="SharedFiles"/>): that entry's
    /// key, where the writer keeps and finds the image of the tree (<see cref="ReuseEntry"/>).</summary>
    private const string SharesName = "shares-files-with";
    /// <summary>A step's state.json is read up to this many bytes (16 MiB): a build writes a few KiB.</summary>
    private const int StateLimit = 16 << 20;
    private readonly FileLock? inUse;
    private FileLock? scratchLock;
    private string? scratch;
    /// <summary>The steps this build stored, by key: their directories in the scratch directory until
    /// <see cref="Commit"/> names them.</summary>
    private readonly Dictionary<string, string> stored = new(StringComparer.Ordinal);
    /// <summary>The flushes of <see cref="stored"/> to disk, one after the other: the last started after the last
    /// step was stored. Its result: why a flush failed, or null.</summary>
    private Task<string?> flushed = Task.FromResult<string?>(null);
    /// <summary>The sharing of <see cref="stored"/> trees' files (<see cref="SharedFiles.Link"/>), one after the
    /// other, part of <see cref="flushed"/>: a tree is read (<see cref="Tree"/>) once its links are made, as they
    /// change its directories' times until the last is set back.</summary>
    private Task linked = Task.CompletedTask;

    /// <summary>Opens the cache at <paramref name="root"/> (made 0700 if missing, with the image cache it is in) for a
    /// build, waiting while a <see cref="Clean"/> runs. Throws <see cref="ImageBuildException"/>
    /// (<see cref="BuildFailure.CacheUnusable"/>) when it cannot be made or locked.</summary>
    public BuildCache(string? root)
    {
        Root = root;
        if (root is null) return;
        if (ImageCache.MakeDirectory(Path.GetDirectoryName(root)!) is { } why)
            throw Unusable($"cannot make the image cache {Shown.Path(Path.GetDirectoryName(root)!)}: {why}");
        if (ImageCache.MakeDirectory(root) is { } whyNot)
            throw Unusable($"cannot make the recipe build cache {Shown.Path(root)}: {whyNot}");
        try { inUse = FileLock.Take(Path.Combine(root, LockName), shared: true); }
        catch (IOException e)
        {
            throw Unusable($"cannot use the recipe build cache {Shown.Path(root)}: {IoError.Describe(e)}");
        }
        Sweep(root);
    }

    private static ImageBuildException Unusable(string message) => new(message, BuildFailure.CacheUnusable);

    public string? Root { get; }

    public void Dispose()
    {
        scratchLock?.Dispose();
        inUse?.Dispose();
    }

    /// <summary>Removes the entries under <paramref name="root"/> last used before <paramref name="before"/> (made, or
    /// taken from the cache by a build: <see cref="Used"/>), after the leftovers of interrupted builds
    /// (<see cref="Leftovers"/>); how many entries it removed, or null (none) while a build uses the cache.</summary>
    public static int? Clean(string root, DateTime before)
    {
        if (!Directory.Exists(root)) return 0;
        using FileLock? alone = FileLock.TryTake(Path.Combine(root, LockName));
        if (alone is null) return null;
        var old = Steps(root).Where(d => d.LastWriteTimeUtc < before).ToList();
        foreach (DirectoryInfo entry in old) TreeCopy.Remove(entry.FullName);
        return old.Count;
    }

    /// <summary>What interrupted builds left under <paramref name="root"/>, each with the bytes of its files, removed
    /// unless <paramref name="dryRun"/>: the scratch directories of killed builds, whatever their age and while other
    /// builds run (<see cref="Sweep"/>), and, while no build uses the cache, the other temporary directories last
    /// changed before <paramref name="before"/> (an older hpcrun's scratch directory, which has no lock; one whose
    /// build was killed before it had its name).</summary>
    public static List<(string Path, long Bytes)> Leftovers(string root, DateTime before, bool dryRun)
    {
        if (!Directory.Exists(root)) return [];
        List<(string Path, long Bytes)> left = Sweep(root, dryRun);
        using FileLock? alone = FileLock.TryTake(Path.Combine(root, LockName));
        if (alone is null) return left;
        foreach (DirectoryInfo temporary in new DirectoryInfo(root).EnumerateDirectories(TemporaryPrefix + "*"))
        {
            if (temporary.LastWriteTimeUtc >= before || left.Any(l => Path.GetFileName(l.Path) == temporary.Name))
                continue; // recent, or a killed build's scratch directory already counted (dry run)
            long bytes = ScratchDirectories.Bytes(temporary.FullName);
            if (!dryRun) TreeCopy.Remove(temporary.FullName);
            left.Add((temporary.FullName, bytes));
        }
        return left;
    }

    /// <summary>Removes the scratch directories under <paramref name="root"/> whose build is gone (with
    /// <paramref name="dryRun"/>, nothing), as <see cref="ScratchDirectories"/> sweeps a build's; returns them.
    /// </summary>
    private static List<(string Path, long Bytes)> Sweep(string root, bool dryRun = false) =>
        ScratchDirectories.Sweep(root, [ScratchPrefix], dryRun);

    /// <summary>The completed steps under <paramref name="root"/> (those <paramref name="counted"/> says, all when
    /// null) and the bytes of their files (each regular file's size, a file that steps share counted once; symbolic
    /// links not followed), for `hpcrun cache list`.</summary>
    public static (int Steps, long Bytes) Usage(string root, Func<DirectoryInfo, bool>? counted = null)
    {
        if (!Directory.Exists(root)) return (0, 0);
        List<DirectoryInfo> steps = [.. Steps(root).Where(counted ?? (_ => true))];
        var everything = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };
        var seen = new HashSet<ulong>();
        long bytes = 0;
        foreach (FileInfo file in steps.SelectMany(d => d.EnumerateFiles("*", everything)))
            if (Libc.Stat(Libc.Cwd, file.FullName) is not { Links: > 1 } shared || seen.Add(shared.Inode))
                bytes += file.Length;
        return (steps.Count, bytes);
    }

    /// <summary>What <see cref="Clean"/> would remove under <paramref name="root"/> now: the steps last used before
    /// <paramref name="before"/>, and the bytes that removing them frees (less what the steps kept share with
    /// them); null while a build uses the cache (Clean would keep it).</summary>
    public static (int Steps, long Bytes)? WouldClean(string root, DateTime before)
    {
        if (Directory.Exists(root))
            using (FileLock? alone = FileLock.TryTake(Path.Combine(root, LockName)))
                if (alone is null) return null; // a build uses it: Clean would keep it
        (int all, long allBytes) = Usage(root);
        (int kept, long keptBytes) = Usage(root, step => step.LastWriteTimeUtc >= before);
        return (all - kept, allBytes - keptBytes);
    }

    private static IEnumerable<DirectoryInfo> Steps(string root) => new DirectoryInfo(root).EnumerateDirectories()
        .Where(d => !d.Name.StartsWith(TemporaryPrefix, StringComparison.Ordinal));

    public static string Key(string parent, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{parent}\n{text}")));

    /// <summary>A new private directory for a build's trees, under <see cref="Root"/>, locked while this build runs
    /// (removed by <see cref="Sweep"/> when a killed build left it), or null without a cache.</summary>
    public string? Scratch()
    {
        if (Root is null) return null;
        string name = Guid.NewGuid().ToString("N")[..12], made = $"{Root}/{NewPrefix}{name}";
        if (ImageCache.MakeDirectory(made) is { } why)
            throw Unusable($"cannot write the recipe build cache {Shown.Path(Root)}: {why}");
        try
        {
            scratchLock = FileLock.Take(Path.Combine(made, LockName));
            Directory.Move(made, scratch = $"{Root}/{ScratchPrefix}{name}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TreeCopy.Remove(made);
            throw Unusable($"cannot write the recipe build cache {Shown.Path(Root)}: {IoError.Describe(e)}");
        }
        return scratch;
    }

    /// <summary>Records that a build took the step <paramref name="key"/> from the cache: its directory's modification
    /// time, which <see cref="Clean"/> reads as the last use, becomes now (the entry's files are not touched). A cache
    /// this user cannot write keeps its times.</summary>
    public void Used(string key)
    {
        if (Root is null || stored.ContainsKey(key)) return;
        try { Directory.SetLastWriteTimeUtc($"{Root}/{key}", DateTime.UtcNow); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Whether this build stored the step <paramref name="key"/>.</summary>
    public bool Made(string key) => stored.ContainsKey(key);

    /// <summary>Whether the cache has the step <paramref name="key"/> (with or without its tree).</summary>
    public bool Has(string key) => Root is not null && File.Exists($"{Entry(key)}/state.json");

    /// <summary>The tree of <paramref name="key"/>, or null when the cache has none; one this build stored once its
    /// files are shared.</summary>
    public string? Tree(string key)
    {
        if (!Has(key) || !Directory.Exists($"{Entry(key)}/rootfs")) return null;
        if (stored.ContainsKey(key)) linked.GetAwaiter().GetResult();
        return $"{Entry(key)}/rootfs";
    }

    /// <summary>The directory of the step <paramref name="key"/>: this build's, while it runs, else the
    /// cache's.</summary>
    private string Entry(string key) => stored.GetValueOrDefault(key) ?? $"{Root}/{key}";

    /// <summary>The state the step <paramref name="key"/> left. Throws <see cref="ImageBuildException"/>
    /// (<see cref="BuildFailure.CacheUnusable"/>) when its file cannot be read or is not what a build writes.</summary>
    public StageState State(string key)
    {
        string file = $"{Entry(key)}/state.json";
        try
        {
            // Not waited on: a FIFO in its place is no build's state (Libc.ReadRegularFile).
            byte[] bytes = Libc.ReadRegularFile(file, StateLimit, out int errno)
                ?? throw (errno == 0 ? new IOException("not a regular file") : new PosixException(file, errno));
            return JsonSerializer.Deserialize(bytes, RecipeJson.Default.StageState) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            string why = e is JsonException ? "not a build's state"
                : e is PosixException ? IoError.Describe(e) : e.Message;
            throw Unusable($"cannot read {Shown.Path(file)} ({why}): `hpcrun cache clean --type recipe` removes " +
                "the recipe build cache's steps");
        }
    }

    /// <summary>Keeps <paramref name="state"/> and <paramref name="tree"/> (null: the state alone) as
    /// <paramref name="key"/>: the tree copied, or moved in when <paramref name="move"/> (it must be in
    /// <see cref="Scratch"/>); returns where the stored tree is until the build ends (to read through
    /// <see cref="Tree"/>, once its files are shared), or null. The step gets
    /// its name in the cache at <see cref="Commit"/>. The files it has in common with <paramref name="sameAs"/>'s
    /// tree, the stored tree the working tree was last the same as, are then shared with it
    /// (<see cref="SharedFiles"/>).</summary>
    public string? Store(string key, string? tree, StageState state, bool move, SharedFiles.SameAs? sameAs,
        CancellationToken cancel)
    {
        if (Root is null || scratch is null || Has(key)) return Tree(key);
        // In this build's locked scratch directory: a killed build leaves no temporary entry behind it.
        string temporary = $"{scratch}/.store-{key}";
        try
        {
            Directory.CreateDirectory(temporary);
            if (tree is not null && move) Directory.Move(tree, $"{temporary}/rootfs");
            else if (tree is not null) TreeCopy.Copy(tree, $"{temporary}/rootfs", cancel);
            File.WriteAllText($"{temporary}/state.json",
                JsonSerializer.Serialize(state, RecipeJson.Default.StageState));
            if (tree is not null && sameAs is { } parent && KeyOf(parent.Tree) is { } shared)
                File.WriteAllText($"{temporary}/{SharesName}", shared);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TreeCopy.Remove(temporary);
            throw Unusable($"cannot write the recipe build cache {Shown.Path(Root)}: {IoError.Describe(e)}");
        }
        catch { TreeCopy.Remove(temporary); throw; }
        stored[key] = temporary;
        // A RUN's flushes to disk are no-ops (root emulation), so the step's files are flushed here, all at once and
        // off the build's path: its next steps go on meanwhile, and the SquashFS of the last once its files are
        // shared (Tree), the flush still going on.
        string flushing = scratch, copy = $"{temporary}/rootfs";
        string? working = move ? copy : tree;
        if (working is not null && sameAs is { } same)
            linked = linked.ContinueWith(_ => SharedFiles.Link(copy, working, same, flushing, cancel),
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        flushed = Task.WhenAll(flushed, linked).ContinueWith(_ => Flush(flushing), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default);
        return tree is null ? null : copy; // not waited for: Tree, which its readers call, waits
    }

    /// <summary>The key of the step whose tree <paramref name="tree"/> is (<see cref="Tree"/>), or null.</summary>
    private string? KeyOf(string tree)
    {
        string? entry = Path.GetDirectoryName(tree);
        if (Path.GetFileName(tree) != "rootfs" || entry is null) return null;
        string key = stored.FirstOrDefault(s => s.Value == entry).Key ?? Path.GetFileName(entry);
        return Entry(key) == entry && Has(key) ? key : null;
    }

    /// <summary>The directory where the image of <paramref name="key"/>'s tree is kept for later builds to copy
    /// compressed blocks from (<see cref="BuildRequest.ReuseDirectory"/>): the entry of the step its tree shares
    /// files with, which every tree made from that step shares too (an edited last RUN's, the same step's again),
    /// while the cache has it; else the step's own. Null when the cache has no tree of <paramref name="key"/>.
    /// </summary>
    public string? ReuseEntry(string key)
    {
        if (Tree(key) is null) return null;
        // Not waited on: a FIFO in its place names no entry (Libc.ReadRegularFile).
        string? shared = Libc.ReadRegularFile($"{Entry(key)}/{SharesName}", 64, out _) is { } bytes
            ? Encoding.ASCII.GetString(bytes) : null;
        return shared is { Length: 64 } && shared.All(char.IsAsciiHexDigitLower) && Has(shared) ? Entry(shared)
            : Entry(key);
    }

    private static string? Flush(string directory)
    {
        using SafeFileHandle handle = Libc.Open(Libc.Cwd, directory, Libc.O_RDONLY | Libc.O_DIRECTORY);
        return handle.IsInvalid || Libc.SyncFs(handle) != 0 ? IoError.Describe(Marshal.GetLastPInvokeError()) : null;
    }

    /// <summary>Gives the steps this build stored their names in the cache, once their files are on disk, so that
    /// a crash never leaves a cached step whose files lost their bytes; at the end of a build, whether it succeeded
    /// or not (the steps that completed are kept). Never throws: a step that cannot be kept is said in
    /// <paramref name="warn"/>'s line, and left for the scratch directory's removal.</summary>
    public void Commit(Action<string> warn)
    {
        if (stored.Count == 0) return;
        if (flushed.GetAwaiter().GetResult() is { } why)
        {
            warn($"the recipe build cache keeps none of this build's steps: cannot flush them to disk: {why}");
            return;
        }
        foreach ((string key, string directory) in stored)
            try { Directory.Move(directory, $"{Root}/{key}"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another build stored the same step meanwhile: it is there all the same.
                if (!File.Exists($"{Root}/{key}/state.json"))
                    warn($"the recipe build cache could not keep a step: {IoError.Message(e)}");
            }
        stored.Clear();
    }
}
