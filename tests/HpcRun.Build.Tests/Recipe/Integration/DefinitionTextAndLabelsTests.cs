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

    /// <summary>`inspect --test` shows the %test the image was built with (/.singularity.d/test), as Apptainer's
    /// does; it was refused (64).</summary>
    [Fact]
    public void Inspect_test_shows_the_definition_files_test()
    {
        work.Write("t.def",
            $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n\n%test\n    echo tested \"$@\"\n");
        var build = work.Build("t.sif", "t.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        var test = Hpcrun.Run(["inspect", "--test", Path.Combine(work.Dir, "t.sif")], work.Env);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.EndsWith("\n    echo tested \"$@\"\n", test.Stdout);
    }

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

    /// <summary>Apptainer's build labels, with hpcrun's name where Apptainer gives its own, dated SOURCE_DATE_EPOCH
    /// (else 1970, the time the SquashFS and SIF carry): the same recipe twice gives the same bytes. A %labels name
    /// the build sets is kept, with a warning, unless --force, as Apptainer keeps it.</summary>
    [Fact]
    public void The_build_labels_are_apptainers_dated_by_the_builds_fixed_time()
    {
        work.Write("l.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\nStage: one\n%help\n    Help\n" +
            "%labels\n    org.label-schema.build-arch mine\n    Own yes\n");
        work.Env["SOURCE_DATE_EPOCH"] = "1700000000";
        var first = work.Build("--no-cache", "a.sif", "l.def");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("hpcrun: warning: %labels org.label-schema.build-arch: the build sets it: kept, as " +
            "Apptainer keeps it (build with --force to replace it)\n", first.Stderr);
        Assert.True(work.Build("--no-cache", "b.sif", "l.def").ExitCode == 0);
        Assert.Equal(File.ReadAllBytes(Path.Combine(work.Dir, "a.sif")), File.ReadAllBytes(Path.Combine(work.Dir,
            "b.sif")));
        string version = Hpcrun.Run("version").Stdout.Trim().Split('+')[0]; // the release, as the build record's
        string architecture = Hpcrun.Run(["exec", Path.Combine(work.Dir, "a.sif"), "uname", "-m"]).Stdout.Trim()
            is "x86_64" ? "amd64" : "arm64";
        Assert.Equal("Own: yes\n" +
            $"org.label-schema.build-arch: {architecture}\n" +
            "org.label-schema.build-date: Tuesday_14_November_2023_22:13:20_UTC\n" +
            "org.label-schema.schema-version: 1.0\n" +
            "org.label-schema.usage: /.singularity.d/runscript.help\n" +
            $"org.label-schema.usage.hpcrun.runscript.help: /.singularity.d/runscript.help\n" +
            $"org.label-schema.usage.hpcrun.version: {version}\n" +
            $"org.label-schema.usage.singularity.deffile.bootstrap: localimage\n" +
            $"org.label-schema.usage.singularity.deffile.from: {TestImages.BusyboxTree}\n" +
            "org.label-schema.usage.singularity.deffile.stage: one\n", Labels("a.sif"));
        Assert.Contains("\"org.label-schema.build-date\": \"Tuesday_14_November_2023_22:13:20_UTC\"",
            work.Exec("a.sif", "cat", "/.singularity.d/labels.json").Stdout);
        var forced = work.Build("--force", "a.sif", "l.def");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("org.label-schema.build-arch: mine\n", Labels("a.sif"));
        work.Env.Remove("SOURCE_DATE_EPOCH");
        work.Write("n.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n");
        Assert.True(work.Build("n.sif", "n.def").ExitCode == 0);
        string plain = Labels("n.sif");
        Assert.Contains("org.label-schema.build-date: Thursday_1_January_1970_0:0:0_UTC\n", plain);
        Assert.DoesNotContain("org.label-schema.usage:", plain); // no %help
    }

    /// <summary>A base's /.singularity.d/labels.json labels are all kept, as Apptainer's build keeps them
    /// (getExistingLabels), also those its config lacks: an Apptainer-built base's
    /// org.label-schema.usage.singularity.version was dropped.</summary>
    [Fact]
    public void A_rebuild_keeps_every_label_of_the_bases_labels_json()
    {
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, Path.Combine(work.Dir, "base"));
        work.Write("base/.singularity.d/labels.json", "{\"org.label-schema.usage.singularity.version\": \"3.8.1\", " +
            "\"org.label-schema.description\": \"old\"}");
        work.Write("c.def", "Bootstrap: localimage\nFrom: base\n%labels\n    Own yes\n");
        var build = work.Build("c.sif", "c.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        string labels = Labels("c.sif");
        Assert.Contains("org.label-schema.usage.singularity.version: 3.8.1\n", labels);
        Assert.Contains("org.label-schema.description: old\n", labels);
        Assert.Contains("Own: yes\n", labels);
        Assert.Contains("org.label-schema.usage.hpcrun.version: ", labels);
    }
}
