using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HpcRun.Build.Recipe;

/// <summary>
/// The recipe build cache: one entry per completed step that changed the tree (FROM, RUN, COPY, ADD), named by a
/// key chained from its parent's key and each instruction's text (expanded, with its flags) and, for COPY and ADD,
/// the content of the sources: editing the last RUN of a recipe re-runs only that RUN. An entry is a directory
/// KEY/ with the tree (rootfs/) and the stage's state (state.json), made under a temporary name and renamed whole,
/// so an interrupted build leaves only completed steps. Null <see cref="Root"/>: --no-cache, nothing read or kept.
/// </summary>
internal sealed class BuildCache(string? root)
{
    private const string TemporaryPrefix = ".tmp-";

    public string? Root { get; } = root;

    /// <summary>Removes the entries (and leftovers of interrupted stores) under <paramref name="root"/> made before
    /// <paramref name="before"/>; how many entries it removed.</summary>
    public static int Clean(string root, DateTime before)
    {
        if (!Directory.Exists(root)) return 0;
        var old = new DirectoryInfo(root).EnumerateDirectories().Where(d => d.LastWriteTimeUtc < before).ToList();
        foreach (DirectoryInfo entry in old) TreeCopy.Remove(entry.FullName);
        return old.Count(d => !d.Name.StartsWith(TemporaryPrefix, StringComparison.Ordinal));
    }

    public static string Key(string parent, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{parent}\n{text}")));

    /// <summary>The tree of <paramref name="key"/>, or null when the cache has none.</summary>
    public string? Tree(string key) =>
        Root is not null && Directory.Exists($"{Root}/{key}/rootfs") && File.Exists($"{Root}/{key}/state.json")
            ? $"{Root}/{key}/rootfs" : null;

    public StageState State(string key) =>
        JsonSerializer.Deserialize(File.ReadAllText($"{Root}/{key}/state.json"), RecipeJson.Default.StageState)!;

    /// <summary>Keeps a copy of <paramref name="tree"/> and <paramref name="state"/> as
    /// <paramref name="key"/>.</summary>
    public void Store(string key, string tree, StageState state, CancellationToken cancel)
    {
        if (Root is null || Tree(key) is not null) return;
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string temporary = $"{Root}/{TemporaryPrefix}{key}.{Environment.ProcessId}";
        try
        {
            TreeCopy.Copy(tree, $"{temporary}/rootfs", cancel);
            File.WriteAllText($"{temporary}/state.json",
                JsonSerializer.Serialize(state, RecipeJson.Default.StageState));
            Directory.Move(temporary, $"{Root}/{key}");
        }
        catch (IOException) when (Tree(key) is not null) { } // another build stored it meanwhile
        finally { TreeCopy.Remove(temporary); }
    }
}
