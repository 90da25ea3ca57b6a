using HpcRun.Build.Recipe;
using HpcRun.Image;
using HpcRun.Image.Metadata;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>What a Dockerfile stage starts from: the PATH BuildKit gives a base that sets none, the automatic platform
/// ARGs, and which FROM --platform a base can give.</summary>
public class StageStartTests
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>`ENV PATH=/opt/tool/bin:$PATH` on a base whose config has no PATH (a local directory, SquashFS or
    /// SIF, scratch): expansion, RUN's environment and the image's ENV all see Docker's default after it.</summary>
    [Fact]
    public void A_base_without_path_gets_the_default_path_for_expansion_run_and_the_image()
    {
        var state = new StageState { Config = StageState.WithDefaultPath(ImageConfig.Empty) };
        Assert.Equal($"/opt/tool/bin:{DefaultPath}", state.Expand("/opt/tool/bin:$PATH"));
        foreach ((string name, string? value) in state.ExpandPairs("PATH=/opt/tool/bin:$PATH", legacyForm: true))
            state = state.WithEnv(name, value!);
        Assert.Equal([$"PATH=/opt/tool/bin:{DefaultPath}"], state.Config.Env);
        Assert.Equal($"/opt/tool/bin:{DefaultPath}", state.RunEnvironment().Single(e => e.Key == "PATH").Value);
    }

    [Fact]
    public void A_base_path_is_kept_and_other_variables_stay_before_the_default()
    {
        var own = new ImageConfig { Env = ["A=1", "PATH=/usr/bin"] };
        Assert.Same(own, StageState.WithDefaultPath(own));
        Assert.Equal(["A=1", $"PATH={DefaultPath}"],
            StageState.WithDefaultPath(new ImageConfig { Env = ["A=1"] }).Env);
    }

    [Fact]
    public void Platform_args_are_in_the_global_scope_for_from_and_a_stage_arg_takes_them()
    {
        var recipe = HpcRun.Build.Recipe.Recipe.FromDockerfile(DockerfileParser.Parse("""
            ARG TARGETARCH
            FROM --platform=$BUILDPLATFORM debian AS build
            FROM --platform=${TARGETPLATFORM} scratch
            FROM --platform=$UNSET scratch
            """), new Dictionary<string, string>(), "linux/arm64/v8");
        Assert.Equal([HostPlatform.Name, "linux/arm64", null], recipe.Stages.Select(s => s.Platform));
        Assert.Equal(("arm64", "v8", "linux"), (recipe.GlobalArgs["TARGETARCH"], recipe.GlobalArgs["TARGETVARIANT"],
            recipe.GlobalArgs["BUILDOS"]));
        var given = HpcRun.Build.Recipe.Recipe.FromDockerfile(DockerfileParser.Parse("FROM --platform=$TARGETOS/x a"),
            new Dictionary<string, string> { ["TARGETOS"] = "windows" });
        Assert.Equal("windows/x", given.Stages[0].Platform);
    }

    /// <summary>A lone OS or architecture is the host's other half, as containerd's platforms.Parse reads it.</summary>
    [Theory]
    [InlineData("linux", "linux/{0}")]
    [InlineData("LINUX/AARCH64", "linux/arm64")]
    [InlineData("aarch64", "linux/arm64")]
    public void A_from_platform_is_normalized_as_buildkit_does(string written, string platform)
    {
        var recipe = HpcRun.Build.Recipe.Recipe.FromDockerfile(DockerfileParser.Parse(
            $"FROM --platform={written} scratch"), new Dictionary<string, string>());
        Assert.Equal(string.Format(platform, HostPlatform.Architecture), recipe.Stages[0].Platform);
    }

    [Theory]
    [InlineData("nosuchos")]
    [InlineData("linux/")]
    [InlineData("linux/arm/v7/x")]
    public void A_from_platform_that_is_no_os_arch_is_refused(string platform)
    {
        var e = Assert.Throws<RecipeException>(() => HpcRun.Build.Recipe.Recipe.FromDockerfile(
            DockerfileParser.Parse($"FROM --platform={platform} scratch"), new Dictionary<string, string>()));
        Assert.Equal((1, $"FROM --platform={platform}: not a platform: give OS/ARCH, e.g. linux/amd64"),
            (e.Line, e.Message));
    }

    /// <summary>A registry image, archive, layout or scratch gives any platform; a SIF its own; a directory or
    /// SquashFS, which record none, only the build's.</summary>
    [Theory]
    [InlineData(nameof(BaseKind.Registry), "linux/arm64", null, null)]
    [InlineData(nameof(BaseKind.Archive), "linux/arm64", null, null)]
    [InlineData(nameof(BaseKind.Scratch), "linux/arm64", null, null)]
    [InlineData(nameof(BaseKind.Sif), "linux/amd64", "linux/amd64", null)]
    [InlineData(nameof(BaseKind.Sif), "linux/arm64", "linux/amd64", "the SIF is linux/amd64, the one platform")]
    [InlineData(nameof(BaseKind.Directory), "linux/amd64", null, null)]
    [InlineData(nameof(BaseKind.Directory), "linux/arm64", null, "a directory holds one platform")]
    [InlineData(nameof(BaseKind.SquashFs), "linux/arm64", null, "a SquashFS image holds one platform")]
    public void From_platform_is_refused_where_the_base_cannot_give_it(string kind, string asked, string? sif,
        string? refusal)
    {
        string? why = BaseImage.PlatformRefusal(Enum.Parse<BaseKind>(kind), asked, "linux/amd64", sif);
        if (refusal is null) Assert.Null(why);
        else Assert.StartsWith(refusal, why);
    }

    /// <summary>BuildKit's mount stubs: the mount points (and parents) a tree lacks before a step, deepest
    /// first.</summary>
    [Fact]
    public void The_mount_points_a_tree_lacks_are_the_stubs_to_remove()
    {
        var has = new HashSet<string> { "/dev", "/etc" };
        Assert.Equal(["/etc/hosts", "/etc/resolv.conf", "/proc", "/sys"],
            MountStubs.Missing(["/dev", "/proc", "/sys", "/etc/resolv.conf", "/etc/hosts"], has.Contains));
        Assert.Equal(["/etc/hosts", "/etc/resolv.conf", "/etc"],
            MountStubs.Missing(["/etc/resolv.conf", "/etc/hosts"], _ => false));
    }
}
