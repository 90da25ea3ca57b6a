using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A directory the unprivileged test user builds in, with a build cache of its own (HPCRUN_CACHEDIR),
/// removed at the end: the place of a test's recipes, context and images.</summary>
public sealed class RecipeWorkspace : IDisposable
{
    public RecipeWorkspace(string name)
    {
        Dir = Path.Combine(TestImages.Dir, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_111);
        Env = new() { ["HPCRUN_CACHEDIR"] = Path.Combine(Dir, "cache") };
    }

    public string Dir { get; }

    public Dictionary<string, string> Env { get; }

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", Dir);

    /// <summary>Writes <paramref name="text"/> at <paramref name="name"/> (under <see cref="Dir"/>), which the test
    /// user may read and write; its full path.</summary>
    public string Write(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        TestEnvironment.OpenAllButTheCache(Dir);
        return path;
    }

    /// <summary>`hpcrun build ARGS` in <see cref="Dir"/>.</summary>
    public CommandResult Build(params string[] args) => Hpcrun.Run(["build", .. args], Env, cwd: Dir);

    /// <summary>Runs <paramref name="command"/> in the image <paramref name="image"/> (under <see cref="Dir"/>).
    /// </summary>
    public CommandResult Exec(string image, params string[] command) =>
        Hpcrun.Run([Path.Combine(Dir, image), .. command], Env, cwd: Dir);

    /// <summary>Nothing but what the test wrote, the cache and <paramref name="kept"/>: no scratch tree, no temporary
    /// file, no image written.</summary>
    public void AssertOnly(params string[] kept) =>
        Assert.All(Directory.GetFileSystemEntries(Dir), e => Assert.True(!Path.GetFileName(e).StartsWith(".hpcrun")
            && !Path.GetFileName(e).EndsWith(".sif") && !Path.GetFileName(e).EndsWith(".sqfs")
            || kept.Contains(Path.GetFileName(e)), e));
}
