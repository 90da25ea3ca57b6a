using HpcRun.Build.Recipe;
using HpcRun.Image.Metadata;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>What a Dockerfile stage starts from: the PATH BuildKit gives a base that sets none, and the mount points
/// a step makes in it.</summary>
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
