using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A local base or SOURCE is the platform its programs (a SIF: its header) are: `build --platform
/// linux/arm64` of the amd64 busybox ran its RUN natively and recorded the image as arm64, which then ran nowhere
/// (refused here as arm64, its programs x86-64 on arm64). Now that is refused in one line saying what tells the
/// image's CPU: 111 for a recipe's base, as FROM --platform is, and 106 for a SOURCE (nothing in it for the
/// platform); an image that matches, or tells nothing, builds as before.</summary>
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
    public void A_recipe_base_for_another_cpu_than_platform_is_refused_at_its_from(string image, string platform,
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
}
