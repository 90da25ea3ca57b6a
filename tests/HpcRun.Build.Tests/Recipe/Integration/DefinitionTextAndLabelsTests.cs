using System.Text;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>What a definition file gives the image besides its tree: its text as given (a byte-order mark and CRLF
/// line ends kept, as Apptainer stores it), and the labels Apptainer's build writes (org.label-schema.*), dated with
/// the build's fixed time so that the same recipe gives the same bytes.</summary>
public sealed class DefinitionTextAndLabelsTests : IDisposable
{
    private readonly RecipeWorkspace work = new("deflabels");

    public void Dispose() => work.Dispose();

    private string Labels(string image) => Hpcrun.Run(["inspect", "--labels", Path.Combine(work.Dir, image)],
        work.Env).Stdout;

    /// <summary>A definition file saved on Windows builds as Apptainer builds it (its scripts without the CRs), and
    /// the SIF's definition file and /.singularity.d/Singularity are its bytes, the mark and the CRs kept; a
    /// Dockerfile saved so builds as BuildKit builds it.</summary>
    [Fact]
    public void A_windows_saved_recipe_builds_and_the_definition_file_is_kept_byte_for_byte()
    {
        byte[] definition = [.. "\uFEFF"u8, .. Encoding.UTF8.GetBytes(string.Join("\r\n",
            "Bootstrap: localimage", $"From: {TestImages.BusyboxTree}", "%post", "    echo posted > /posted",
            "%runscript", "    cat /posted", "%help", "    Some help", ""))];
        File.WriteAllBytes(Path.Combine(work.Dir, "w.def"), definition);
        work.Write("Dockerfile", $"\uFEFFFROM {TestImages.BusyboxTree}\r\nRUN echo run \\\r\n  > /ran\r\n");
        var build = work.Build("w.sif", "w.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        var shown = Hpcrun.Script("cd \"$0\" && $H inspect --deffile w.sif > deffile && $H exec w.sif cat " +
            "/.singularity.d/Singularity > inside && $H run w.sif > run", [work.Dir], work.Env);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Equal(definition, File.ReadAllBytes(Path.Combine(work.Dir, "deffile")));
        Assert.Equal(definition, File.ReadAllBytes(Path.Combine(work.Dir, "inside")));
        Assert.Equal("posted\n", File.ReadAllText(Path.Combine(work.Dir, "run")));
        var docker = work.Build("d.sif", "Dockerfile");
        Assert.True(docker.ExitCode == 0, docker.ToString());
        Assert.Equal("run\n", work.Exec("d.sif", "cat", "/ran").Stdout);
    }
}
