using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>`Bootstrap: scratch`, as Apptainer's ScratchConveyor makes it: an empty root that %files fills (a static
/// binary and what it needs), with the definition file's sections laid out as for any other agent. It was refused
/// (111) although `FROM scratch` builds.</summary>
public sealed class ScratchBootstrapTests : IDisposable
{
    private readonly RecipeWorkspace work = new("scratchdef");

    public void Dispose() => work.Dispose();

    [Fact]
    public void A_scratch_definition_file_is_an_empty_root_that_its_files_fill()
    {
        // The host's busybox is static: it runs alone in the image, and as /bin/sh the runscript's shell.
        work.Write("s.def", "Bootstrap: scratch\n\n%files\n    /bin/busybox /bin/busybox\n    /bin/busybox /bin/sh\n" +
            "%labels\n    Made scratch\n%environment\n    export GREETING=hi\n" +
            "%runscript\n    /bin/busybox echo \"$GREETING from scratch $*\"\n");
        var build = work.Build("s.sif", "s.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("] line 1: Bootstrap: scratch\n", build.Stderr);
        var run = Hpcrun.Run(["run", Path.Combine(work.Dir, "s.sif"), "a"], work.Env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hi from scratch a\n", run.Stdout);
        Assert.Equal("busybox\nsh\n", work.Exec("s.sif", "/bin/busybox", "ls", "/bin").Stdout);
        Assert.Contains("Made: scratch\n", Hpcrun.Run(["inspect", "--labels", Path.Combine(work.Dir, "s.sif")],
            work.Env).Stdout);
    }

    /// <summary>A static program alone, no shell: its %environment's plain exports apply, and a launch says nothing
    /// (it warned at every launch about the scripts hpcrun's own build wrote, which lose nothing without a shell).
    /// </summary>
    [Fact]
    public void A_static_program_alone_runs_with_its_exports_and_no_warning()
    {
        work.Write("s.def", "Bootstrap: scratch\n\n%files\n    /bin/busybox /busybox\n" +
            "%environment\n    export GREETING=hi\n");
        var build = work.Build("s.sif", "s.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        var run = work.Exec("s.sif", "/busybox", "sh", "-c", "echo $GREETING");
        Assert.Equal((0, "hi\n", ""), (run.ExitCode, run.Stdout, run.Stderr));
    }
}
