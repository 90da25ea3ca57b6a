using HpcRun.Image.Posix;

namespace HpcRun.Build.Tests;

/// <summary>The scratch directories beside OUT (and bench's): a sweep removes those whose build is gone (their lock
/// free), and keeps a running build's, another hpcrun's without a lock file, a symlink, and what has another
/// name.</summary>
public sealed class ScratchDirectoriesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scratch-sweep-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Scratch(string name, bool locked)
    {
        string path = Directory.CreateDirectory(Path.Combine(dir, name)).FullName;
        File.WriteAllText(Path.Combine(path, "data"), "tree");
        if (locked) ScratchDirectories.Hold(path).Dispose(); // as a killed build left it: the lock file, free
        return path;
    }

    [Fact]
    public void A_sweep_removes_only_the_scratch_directories_of_builds_that_are_gone()
    {
        string[] gone = [Scratch(".hpcrun-build.a", true), Scratch(".hpcrun-recipe.b", true),
            Scratch(".hpcrun-pull.c", true), Scratch(".hpcrun-bench.h", true)];
        string running = Scratch(".hpcrun-pull.d", false), old = Scratch(".hpcrun-build.e", false);
        // A recipe build cache's scratch directory is swept by its cache, not beside OUT.
        string other = Scratch(".hpcrun-other.f", true), cached = Scratch(".tmp-build-i", true);
        string link = Path.Combine(dir, ".hpcrun-build.g");
        File.CreateSymbolicLink(link, gone[0]);
        using FileLock held = ScratchDirectories.Hold(running);

        ScratchDirectories.Sweep(dir);

        Assert.All(gone, path => Assert.False(Directory.Exists(path), path));
        Assert.All([running, old, other, cached], path => Assert.True(File.Exists(Path.Combine(path, "data")), path));
        Assert.True(File.Exists(Path.Combine(running, ".lock")));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }
}
