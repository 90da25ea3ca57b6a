using HpcRun.Build.Tests.Recipe.Integration;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Integration;

/// <summary>A full disk is one condition, whatever fills it: a build of a directory (by hpcrun's writer or by
/// mksquashfs), a recipe's steps in the build cache or beside OUT, and its image; each is status 108, as a pull's is
/// (a directory's build said 80, a recipe's unpacked base 71), in one line naming what filled up, and nothing is left.
/// The disks are tmpfs of 256 KiB: the busybox tree is 2 MiB.</summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly RecipeWorkspace work = new("full-disk");
    private readonly string small;

    public FullDiskTests()
    {
        small = Path.Combine(work.Dir, "small");
        Directory.CreateDirectory(small);
        TestEnvironment.RunChecked("mount", "-t", "tmpfs", "-o", "size=256k,mode=0777", "tmpfs", small);
    }

    public void Dispose()
    {
        TestEnvironment.RunChecked("umount", small);
        work.Dispose();
    }

    /// <summary>The build failed with 108 and one line, <paramref name="line"/>, besides its progress lines; the
    /// small disk is empty again.</summary>
    private void AssertFull(CommandResult build, string line)
    {
        Assert.True(build.ExitCode == 108, build.ToString());
        Assert.Equal([$"hpcrun: {line}"], build.Stderr.Trim().Split('\n')
            .Where(l => !l.EndsWith("...") && !l.EndsWith(": done") && !l.StartsWith("hpcrun: [")));
        Assert.Empty(Directory.GetFileSystemEntries(small));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("-comp xz")] // mksquashfs
    public void A_directory_build_onto_a_full_disk_is_108(string? mksquashfsArgs)
    {
        string image = Path.Combine(small, "x.sif");
        string[] args = mksquashfsArgs is null ? [] : ["--mksquashfs-args", mksquashfsArgs];
        AssertFull(work.Build([.. args, image, TestImages.BusyboxTree]),
            $"cannot write {image}: no space left on device");
    }

    [Fact]
    public void A_recipe_whose_build_cache_fills_up_is_108_naming_the_cache()
    {
        work.Env["HPCRUN_CACHEDIR"] = Path.Combine(small, "cache");
        work.Write("Dockerfile", $"FROM {TestImages.BusyboxSquashFs}\nRUN echo hi > /x\n");
        CommandResult build = work.Build("x.sif", "Dockerfile");
        Assert.True(build.ExitCode == 108, build.ToString());
        Assert.Contains($"hpcrun: cannot write the recipe build cache {small}/cache/recipe: no space left on device\n",
            build.Stderr);
        work.AssertOnly();
    }

    [Theory]
    [InlineData("--no-cache")] // its steps beside OUT
    [InlineData(null)] // the steps in a cache elsewhere, the image beside OUT
    public void A_recipe_build_whose_image_fills_the_disk_is_108_naming_it(string? option)
    {
        work.Write("Dockerfile", $"FROM {TestImages.BusyboxSquashFs}\nRUN echo hi > /x\n");
        string image = Path.Combine(small, "x.sif");
        string[] options = option is null ? [] : [option];
        AssertFull(work.Build([.. options, image, "Dockerfile"]),
            $"cannot write {image}: no space left on device");
    }

    /// <summary>A RUN whose command fails because it filled the disk it runs on (the recipe build cache, or beside
    /// OUT with --no-cache) is a full disk (108), its line saying so, as every other write of a build is: it was 110,
    /// "RUN failed", which sent users to their recipe. A RUN that fails for itself, with room left, stays 110.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("--no-cache")]
    public void A_run_that_fills_the_disk_is_108_and_one_that_fails_for_itself_110(string? option)
    {
        string roomy = Path.Combine(work.Dir, "roomy");
        Directory.CreateDirectory(roomy);
        TestEnvironment.RunChecked("mount", "-t", "tmpfs", "-o", "size=16m,mode=0777", "tmpfs", roomy);
        try
        {
            // Both written first: Write opens all of the workspace to the test user, a cache made there included.
            work.Write("Filling", $"FROM {TestImages.BusyboxSquashFs}\nRUN dd if=/dev/zero of=/big bs=1M count=64\n");
            work.Write("Failing", $"FROM {TestImages.BusyboxSquashFs}\nRUN exit 3\n");
            work.Env["HPCRUN_CACHEDIR"] = Path.Combine(roomy, "cache");
            string image = Path.Combine(roomy, "x.sif");
            string[] options = option is null ? [] : [option];
            CommandResult filled = work.Build([.. options, image, "Filling"]);
            Assert.True(filled.ExitCode == 108, filled.ToString());
            string where = option is null ? $"the recipe build cache {roomy}/cache/recipe" : image;
            Assert.EndsWith($"hpcrun: RUN at line 2 failed with exit status 1 on a full disk: cannot write {where}: " +
                "no space left on device\n", filled.Stderr);
            Assert.False(File.Exists(image));

            CommandResult failed = work.Build([.. options, image, "Failing"]);
            Assert.True(failed.ExitCode == 110, failed.ToString());
            Assert.EndsWith("hpcrun: RUN at line 2 failed with exit status 3\n", failed.Stderr);
        }
        finally { TestEnvironment.RunChecked("umount", roomy); }
    }
}
