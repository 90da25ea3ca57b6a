using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A local base or SOURCE is the platform its programs (a SIF: its header) are: `build --platform
/// linux/arm64` of the amd64 busybox ran its RUN natively and recorded the image as arm64, which then ran nowhere
/// (refused here as arm64, its programs x86-64 on arm64). Now that is refused in one line saying what tells the
/// image's CPU: 111 for a recipe's base, as FROM --platform is, and 106 for a SOURCE (nothing in it for the
/// platform); an image that matches, or tells nothing, builds as before. Without --platform, a tree or SquashFS is
/// recorded as what its programs are (an arm64 one was recorded as the host's amd64, then failed with "Exec format
/// error" where the launch would refuse it), an i386 one as 386, which runs here.</summary>
public sealed class LocalPlatformTests : IDisposable
{
    private readonly RecipeWorkspace work = new("local-platform");

    public void Dispose() => work.Dispose();

    private static string Told(string architecture, string told, string platform) =>
        $"the image is for {architecture} ({told}), not {platform}, and hpcrun records an image as what it is: " +
        $"leave --platform out, or start from an image for {platform}";

    public static TheoryData<string, string, string, string> Bases => new()
    {
        { TestImages.BusyboxSquashFs, "linux/arm64", "amd64", "its /bin/busybox is a program for x86_64" },
        { TestImages.BusyboxTree, "linux/arm64", "amd64", "its /bin/sh is a program for x86_64" },
        { TestImages.ApptainerArm64Sif, "linux/amd64", "arm64", "its SIF header says so" },
    };

    [Theory]
    [MemberData(nameof(Bases))]
    public void A_recipe_imagefor_another_cpu_than_platform_is_refused_at_its_from(string image, string platform,
        string architecture, string told)
    {
        work.Write("Dockerfile", $"FROM {image}\nRUN echo ran-natively\n");
        var build = work.Build("--platform", platform, "out.sif", "Dockerfile");
        Assert.Equal(111, build.ExitCode);
        Assert.EndsWith($"\nhpcrun: Dockerfile:1: FROM {image}: {Told(architecture, told, platform)}\n", build.Stderr);
        Assert.DoesNotContain("ran-natively", build.Stdout + build.Stderr);
        work.AssertOnly();
    }

    [Fact]
    public void A_source_for_another_cpu_than_platform_is_106_and_one_that_matches_builds()
    {
        foreach ((string source, string told) in new[] { (TestImages.BusyboxTree, "its /bin/sh"),
            (TestImages.BusyboxSquashFs, "its /bin/busybox") })
        {
            var build = work.Build("--platform", "linux/arm64", "out.sif", source);
            string line = Told("amd64", $"{told} is a program for x86_64", "linux/arm64");
            Assert.Equal((106, $"hpcrun: {source}: {line}\n"), (build.ExitCode, build.Stderr));
        }
        work.AssertOnly();
        var same = work.Build("--platform", "linux/amd64", "same.sif", TestImages.BusyboxTree);
        Assert.True(same.ExitCode == 0, same.ToString());
    }

    /// <summary>A copy of busybox's tree in the workspace whose /bin/sh, the first program that tells an image's CPU,
    /// is the start of an ELF program of <paramref name="elfClass"/> for <paramref name="machine"/>.</summary>
    private string TreeWithShell(string name, byte elfClass, ushort machine)
    {
        string tree = Path.Combine(work.Dir, name);
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        File.Delete(Path.Combine(tree, "bin", "sh"));
        File.WriteAllBytes(Path.Combine(tree, "bin", "sh"), [0x7f, (byte)'E', (byte)'L', (byte)'F', elfClass, 1, 1,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, (byte)machine, (byte)(machine >> 8), 1, 0, 0, 0]);
        TestEnvironment.OpenAllButTheCache(work.Dir);
        return tree;
    }

    private string Architecture(string image)
    {
        var inspect = Hpcrun.Run(["inspect", Path.Combine(work.Dir, image)], work.Env);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        return Assert.Single(inspect.Stdout.Split('\n'), l => l.StartsWith("Architecture:"));
    }

    [Fact]
    public void An_arm64_tree_or_squashfs_without_platform_is_recorded_as_arm64()
    {
        string tree = TreeWithShell("arm64", 2, 183), squashFs = Path.Combine(work.Dir, "arm64.sqfs");
        TestImages.MakeSquashFs(tree, squashFs);
        TestEnvironment.OpenAllButTheCache(work.Dir);
        foreach (string image in new[] { tree, squashFs })
        {
            work.Write("Dockerfile", $"FROM {image}\nLABEL built=here\n");
            var build = work.Build("-F", "recipe.sif", "Dockerfile");
            var source = work.Build("-F", "source.sif", image);
            Assert.True(build.ExitCode == 0 && source.ExitCode == 0, build.ToString() + source);
            Assert.Equal(("Architecture: arm64", "Architecture: arm64"),
                (Architecture("recipe.sif"), Architecture("source.sif")));
            var exec = work.Exec("recipe.sif", "/bin/busybox", "true");
            Assert.Equal((82, $"hpcrun: {Path.Combine(work.Dir, "recipe.sif")}: the image is for arm64, this host is " +
                "amd64: use an image built for amd64\n"), (exec.ExitCode, exec.Stderr));
        }
        // FROM --platform may name the CPU its programs tell.
        work.Write("Dockerfile", $"FROM --platform=linux/arm64 {tree}\nLABEL built=here\n");
        var asked = work.Build("-F", "asked.sif", "Dockerfile");
        Assert.True(asked.ExitCode == 0, asked.ToString());
        Assert.Equal("Architecture: arm64", Architecture("asked.sif"));
    }

    /// <summary>An amd64 kernel runs i386 programs: the image recorded as 386 is launched, not refused.</summary>
    [Fact]
    public void An_i386_tree_is_recorded_as_386_and_runs_on_amd64()
    {
        string tree = TreeWithShell("i386", 1, 3);
        work.Write("Dockerfile", $"FROM {tree}\nLABEL built=here\n");
        var build = work.Build("out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("Architecture: 386", Architecture("out.sif"));
        var exec = work.Exec("out.sif", "/bin/busybox", "echo", "ran");
        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal("ran\n", exec.Stdout);
    }
}
