using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>What the build cache gives back is what the build would make without it: the steps it shares files
/// between stamped their directories with the build's time (a cached build's bytes differed from the first's and
/// from --no-cache's), and a step built for one platform was taken for another. And it keeps what the build would
/// make alike: a build arg used only in a LABEL or ENV ran every later WORKDIR and COPY again.</summary>
public sealed class BuildCacheFidelityTests : IDisposable
{
    private readonly RecipeWorkspace work = new("cache-fidelity");

    public void Dispose() => work.Dispose();

    private string Sha256(string name) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(work.Dir, name))));

    /// <summary>The busybox tree as a SquashFS whose every file, directory and symlink has the time
    /// <paramref name="time"/>.</summary>
    private string OldBase(long time)
    {
        string tree = Path.Combine(work.Dir, "base"), image = Path.Combine(work.Dir, "base.sqfs");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        TestEnvironment.RunChecked("find", tree, "-exec", "touch", "-h", "-d", $"@{time}", "{}", "+");
        TestImages.MakeSquashFs(tree, image);
        TestEnvironment.RunChecked("chmod", "a+r", image);
        return image;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Cached_and_uncached_builds_give_the_same_bytes_and_keep_the_base_s_directory_times(int runs)
    {
        string image = OldBase(1_000_000_000);
        // Later than every time of the base, earlier than the RUNs': it clamps only what the RUNs made, so that
        // --no-cache gives the same bytes, and a base directory stamped by the build would show it.
        work.Env["SOURCE_DATE_EPOCH"] = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10}";
        work.Write("Dockerfile", $"FROM {image}\n" +
            string.Concat(Enumerable.Range(1, runs).Select(i => $"RUN echo {i} > /r{i}\n")));
        string[] built = ["first.sqfs", "cached.sqfs", "uncached.sqfs"];
        foreach ((string output, string[] options) in built.Zip((string[][])[[], [], ["--no-cache"]]))
        {
            var build = work.Build([.. options, output, "Dockerfile"]);
            Assert.True(build.ExitCode == 0, build.ToString());
        }
        Assert.Equal(built.Select(_ => Sha256("first.sqfs")), built.Select(Sha256));
        var times = work.Exec("cached.sqfs", "stat", "-c", "%Y %n", "/bin"); // /etc: a RUN's stub files go there
        Assert.Equal("1000000000 /bin\n", times.Stdout);
    }

    [Fact]
    public void A_step_built_for_another_platform_is_not_taken_from_the_cache()
    {
        // scratch gives any platform; a local base is its programs' own (LocalPlatformTests).
        work.Write("one", "1\n");
        work.Write("Dockerfile", "FROM scratch\nCOPY one /one\nARG TARGETARCH\nCOPY one /$TARGETARCH\n");
        var host = work.Build("amd64.sif", "Dockerfile");
        Assert.True(host.ExitCode == 0, host.ToString());
        var arm = work.Build("--platform", "linux/arm64", "arm64.sif", "Dockerfile");
        Assert.True(arm.ExitCode == 0, arm.ToString());
        Assert.DoesNotContain("cached", arm.Stderr);
        var again = work.Build("--platform", "linux/arm64", "arm64-again.sif", "Dockerfile");
        Assert.Contains("[2/4] cached", again.Stderr); // the platform's own steps are kept
        var same = work.Build("--platform", "linux/amd64", "amd64-again.sif", "Dockerfile");
        Assert.Contains("[4/4] cached", same.Stderr); // the host's, named, is the host's
    }

    /// <summary>A new --build-arg value that only a LABEL and an ENV use changes the image's config alone, as in
    /// BuildKit: the WORKDIR and COPY after it stay cached (they made a tree of their own each time, the WORKDIR
    /// unpacking the whole base again), and only the RUN that sees the ENV runs again; the image has the new values.
    /// </summary>
    [Fact]
    public void A_build_arg_used_only_in_label_and_env_reruns_only_the_run_that_sees_it()
    {
        work.Write("f", "hi\n");
        work.Write("Dockerfile", $"FROM {TestImages.BusyboxSquashFs}\nARG V=1\nLABEL x=$V\nENV Q=$V\n" +
            "WORKDIR /w\nCOPY f /w/\nRUN echo $Q > /q\n");
        var first = work.Build("--build-arg", "V=a1", "a.sif", "Dockerfile");
        Assert.True(first.ExitCode == 0, first.ToString());
        int steps = CachedSteps();
        var second = work.Build("--build-arg", "V=b2", "b.sif", "Dockerfile");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("[5/7] cached", second.Stderr);
        Assert.Contains("[6/7] cached", second.Stderr);
        Assert.Contains("[7/7] done in", second.Stderr);
        Assert.Equal(steps + 1, CachedSteps()); // the RUN's tree alone
        Assert.Equal("b2 b2 hi\n", work.Exec("b.sif", "sh", "-c", "echo $Q $(cat /q /w/f)").Stdout);
        Assert.Contains("x: b2\n", Hpcrun.Run("inspect", "--labels", Path.Combine(work.Dir, "b.sif")).Stdout);
    }

    private int CachedSteps()
    {
        string list = Hpcrun.Run(["cache", "list"], work.Env).Stdout;
        return int.Parse(Regex.Match(list, @"(\d+) recipe build step\(s\)").Groups[1].Value);
    }
}
