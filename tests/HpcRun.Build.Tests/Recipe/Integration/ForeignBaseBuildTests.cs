using HpcRun.Build.Recipe;
using HpcRun.Image;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A RUN or %post on the arm64 SIF Apptainer built printed "Exec format error (built for another
/// machine?)" and then "RUN at line 2 failed with exit status 126" (110), naming neither CPU. Now, on a host that
/// has no binfmt_misc handler for aarch64 programs, it stops before the step in one line that names the recipe's
/// line, both CPUs and the handler that would run it, with 82 (an image for another CPU); where the host has such a
/// handler the step runs, as before. Steps that run nothing still build the arm64 image.</summary>
public sealed class ForeignBaseBuildTests : IDisposable
{
    private readonly RecipeWorkspace work = new("foreign-base");

    public void Dispose() => work.Dispose();

    private static bool HostRunsArm64 =>
        ImageMachine.ProgramIn(ArmTree) is { } program && BinfmtHandler.OfHost().Any(h => h.Runs(program.Start));

    /// <summary>The arm64 SIF's files, for its /bin/sh's bytes.</summary>
    private static string ArmTree => TestImages.Cached("busybox-arm64-tree", dir => TestEnvironment.RunChecked(
        "unsquashfs", "-no-progress", "-quiet", "-offset", $"{ImageSource.Probe(TestImages.ApptainerArm64Sif).Offset}",
        "-dest", dir, TestImages.ApptainerArm64Sif));

    [Theory]
    [InlineData("Dockerfile", "FROM {0}\nRUN echo ran\n", "RUN at line 2")]
    [InlineData("arm.def", "Bootstrap: localimage\nFrom: {0}\n\n%post\n    echo ran\n", "%post at line 4")]
    public void A_step_that_runs_programs_on_an_arm64_base_needs_a_handler_for_them(string recipe, string text,
        string step)
    {
        work.Write(recipe, string.Format(text, TestImages.ApptainerArm64Sif));
        var build = work.Build("out.sif", recipe);
        if (HostRunsArm64)
        {
            Assert.True(build.ExitCode == 0, build.ToString());
            return;
        }
        Assert.True(build.ExitCode == 82, build.ToString());
        Assert.EndsWith($"\nhpcrun: {step}: the base is for arm64 (its /bin/sh is a program for aarch64), this " +
            "host is amd64: running its programs here needs a binfmt_misc handler for aarch64 (qemu-user-static " +
            "registers one), or a build where the CPU is arm64\n", build.Stderr);
        Assert.DoesNotContain("Exec format error", build.Stderr);
        Assert.DoesNotContain("ran", build.Stdout);
        work.AssertOnly();
    }

    [Fact]
    public void Steps_that_run_nothing_build_an_arm64_image()
    {
        work.Write("data.txt", "data\n");
        work.Write("Dockerfile", $"FROM {TestImages.ApptainerArm64Sif}\nCOPY data.txt /data.txt\nLABEL a=b\n");
        var build = work.Build("out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        var inspect = Hpcrun.Run(["inspect", Path.Combine(work.Dir, "out.sif")], work.Env);
        Assert.Contains("\nArchitecture: arm64\n", inspect.Stdout);
    }

    /// <summary>A %test, which runs in the finished image, cannot run in an arm64 one here: no launch starts it. It
    /// said so as the launch's refusal of the build's scratch file and then "%test at line 3 failed with exit status
    /// 82" (110); now one line says what to do (82), and nothing is written.</summary>
    [Fact]
    public void A_test_of_an_arm64_image_is_one_line_with_what_to_do()
    {
        work.Write("test.def", $"Bootstrap: localimage\nFrom: {TestImages.ApptainerArm64Sif}\n%test\n    true\n");
        var build = work.Build("out.sif", "test.def");
        Assert.True(build.ExitCode == 82, build.ToString());
        Assert.EndsWith("\nhpcrun: %test at line 3: the image is for arm64, this host is amd64: its test cannot run " +
            "here; build with --notest, or where the CPU is arm64\n", build.Stderr);
        Assert.DoesNotContain(".hpcrun-build", build.Stderr);
        work.AssertOnly();
        var untested = work.Build("--notest", "out.sif", "test.def");
        Assert.True(untested.ExitCode == 0, untested.ToString());
    }
}
