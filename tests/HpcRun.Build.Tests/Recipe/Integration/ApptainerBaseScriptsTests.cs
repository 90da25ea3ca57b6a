using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A definition file's image carries env/99-base.sh and env/99-runtimevars.sh, as Apptainer's build lays
/// them out: Apptainer's launcher applies the user's --env and APPTAINERENV_ values right after 99-base.sh, and only
/// there when /.singularity.d/env exists, so without it such an image took none of them under Apptainer (a trial
/// found it in Apptainer's action_script.sh). A base image's own scripts of those names stay.</summary>
public sealed class ApptainerBaseScriptsTests : IDisposable
{
    private readonly RecipeWorkspace work = new("apptainer-base-scripts");

    public void Dispose() => work.Dispose();

    /// <summary>The text of <paramref name="image"/>'s env/99-base.sh, read from its SquashFS (an arm64 image's too,
    /// which no launch here runs; `inspect --environment` shows only Apptainer's 10-docker*.sh and 9*-environment.sh).
    /// </summary>
    private string BaseScript(string image)
    {
        string shown = Hpcrun.Run(["inspect", image], work.Env).Stdout;
        string offset = System.Text.RegularExpressions.Regex.Match(shown, @"SquashFS at offset (\d+)").Groups[1].Value;
        return TestEnvironment.RunChecked("unsquashfs", "-o", offset, "-cat", image,
            ".singularity.d/env/99-base.sh");
    }

    [Fact]
    public void A_definition_files_image_has_apptainers_base_scripts_and_a_bases_own_stay()
    {
        work.Write("app.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%environment\n" +
            "    export TOOL=/opt/tool\n%test\n    echo \"command=$APPTAINER_COMMAND\"\n");
        var build = work.Build("app.sif", "app.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("command=test\n", build.Stdout + build.Stderr); // %test runs as `apptainer test` runs it
        string sif = Path.Combine(work.Dir, "app.sif");
        Assert.StartsWith("#!/bin/sh\n# Written by hpcrun's build", BaseScript(sif));
        // What each does, run by the image's shell as Apptainer's launcher sources them.
        var sourced = work.Exec("app.sif", "sh", "-c", "unset LD_LIBRARY_PATH PS1; " +
            ". /.singularity.d/env/99-base.sh; SING_USER_DEFINED_PREPEND_PATH=/first; " +
            ". /.singularity.d/env/99-runtimevars.sh; " +
            "echo \"$LD_LIBRARY_PATH|$PS1|${PATH%%:*}|${SING_USER_DEFINED_PREPEND_PATH-unset}\"");
        Assert.Equal("/.singularity.d/libs|Apptainer> |/first|unset\n", sourced.Stdout);
        // hpcrun's own launch applies --env after 99-base.sh, as Apptainer's does.
        var env = Hpcrun.Run(["exec", "--env", "TOOL=/mine", sif, "sh", "-c", "echo $TOOL"], work.Env);
        Assert.Equal("/mine\n", env.Stdout);

        string apptainers = BaseScript(TestImages.ApptainerArm64Sif);
        Assert.DoesNotContain("hpcrun", apptainers);
        work.Write("child.def", $"Bootstrap: localimage\nFrom: {TestImages.ApptainerArm64Sif}\n%labels\n" +
            "    Child yes\n");
        var child = work.Build("child.sif", "child.def");
        Assert.True(child.ExitCode == 0, child.ToString());
        Assert.Equal(apptainers, BaseScript(Path.Combine(work.Dir, "child.sif")));
    }
}
