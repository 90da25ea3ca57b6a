using System.Text.Json.Nodes;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Integration;

/// <summary>
/// The real hpcrun binary: builds images from an OCI layout made by Debian's umoci (several
/// layers, a whiteout, a config), then runs the SIF in place as the unprivileged test user.
/// </summary>
public sealed class HpcrunImageTests : IDisposable
{
    private readonly SharedDir dir = new();

    public void Dispose() => dir.Dispose();

    private static void Umoci(params string[] args) => TestEnvironment.RunChecked("umoci", args);

    /// <summary>busybox in layer 1; layer 2 adds /data/kept and /data/gone; layer 3 deletes /data/gone
    /// (a whiteout).</summary>
    private string UmociLayout()
    {
        string layout = dir.File("layout"), bundle = dir.File("bundle");
        Umoci("init", "--layout", layout);
        Umoci("new", "--image", $"{layout}:app");
        Umoci("unpack", "--image", $"{layout}:app", bundle);
        string rootfs = Path.Combine(bundle, "rootfs");
        TestEnvironment.RunChecked("cp", "-a", $"{TestImages.BusyboxTree}/.", rootfs);
        Umoci("repack", "--image", $"{layout}:app", bundle);
        Directory.CreateDirectory(Path.Combine(rootfs, "data"));
        File.WriteAllText(Path.Combine(rootfs, "data", "kept"), "kept\n");
        File.WriteAllText(Path.Combine(rootfs, "data", "gone"), "gone\n");
        Umoci("repack", "--image", $"{layout}:app", bundle);
        File.Delete(Path.Combine(rootfs, "data", "gone"));
        Umoci("repack", "--image", $"{layout}:app", bundle);
        Umoci("config", "--image", $"{layout}:app", "--config.env", "GREETING=hello from umoci",
            "--config.workingdir", "/data",
            "--config.cmd", "/bin/cat", "--config.cmd", "/data/kept", "--config.label", "org.example.team=physics");
        return layout;
    }

    [Fact]
    public void A_sif_built_from_an_umoci_layout_runs_in_place_with_its_config()
    {
        string sif = dir.File("app.sif");
        var build = TestEnvironment.Run(Hpcrun.Binary, ["build", sif, UmociLayout(), "--tag", "app"]);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("hpcrun: writing the SquashFS tables", build.Stderr); // plain progress lines off a terminal

        var run = Hpcrun.Run(sif, "/bin/sh", "-c",
            "cat /data/kept; test -e /data/gone || echo gone is whited out; echo \"$GREETING\"; id -u");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("kept\ngone is whited out\nhello from umoci\n"
            + $"{TestEnvironment.RunChecked("id", "-u", TestEnvironment.User).Trim()}\n", run.Stdout);
        Assert.Equal("kept\n", Hpcrun.Run(sif).Stdout); // the image's Cmd
    }

    /// <summary>An umoci layout whose layer blob is a symbolic link: one that stays inside the layout (a shared
    /// store beside blobs/) is read as the file it leads to; one that leads out is refused (65) in one line that
    /// says so, not as a missing blob.</summary>
    [Fact]
    public void A_blob_that_is_a_symlink_is_read_inside_the_layout_and_refused_when_it_leads_out()
    {
        string layout = UmociLayout();
        string Blob(JsonNode digest) => Path.Combine(layout, "blobs", "sha256", digest.GetValue<string>()[7..]);
        JsonNode index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        JsonNode manifest = JsonNode.Parse(File.ReadAllText(Blob(index["manifests"]![0]!["digest"]!)))!;
        string blob = Blob(manifest["layers"]!.AsArray().Last()!["digest"]!); // a layer the image reads
        string hex = Path.GetFileName(blob), store = Directory.CreateDirectory(Path.Combine(layout, "store")).FullName;
        File.Move(blob, Path.Combine(store, hex));
        File.CreateSymbolicLink(blob, $"../../store/{hex}");
        var inside = TestEnvironment.Run(Hpcrun.Binary, ["build", dir.File("in.sif"), layout, "--tag", "app"]);
        Assert.True(inside.ExitCode == 0, inside.ToString());
        File.Move(Path.Combine(store, hex), dir.File(hex));
        File.Delete(blob);
        File.CreateSymbolicLink(blob, $"../../../{hex}");
        var outside = TestEnvironment.Run(Hpcrun.Binary, ["build", dir.File("out.sif"), layout, "--tag", "app"]);
        Assert.True(outside.ExitCode == 65, outside.ToString());
        Assert.Equal($"hpcrun: {layout}: blobs/sha256/{hex} is a symbolic link to ../../../{hex}, which leads to no " +
            "file inside the image: its files must be in it (a link is read inside it)\n", outside.Stderr);
    }

    [Fact]
    public void An_apptainer_style_sif_runs_its_runscript_with_the_environment_it_carries()
    {
        string sif = ApptainerStyleSif.Write(dir.File("apptainer.sif"), TestImages.BusyboxTree, dir.Path);
        var run = Hpcrun.Run(sif);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("runscript says from oci-config\n", run.Stdout);
    }

    /// <summary>Apptainer's `inspect --test` (-t): the test script of an Apptainer SIF, from its inspect-metadata.json
    /// as Apptainer reads it, in its text order (after the runscript) and as its JSON's "test"; a SIF built by
    /// hpcrun from a tree has the tree's /.singularity.d/test, and an image with none prints nothing, as Apptainer
    /// does. It was refused (64).</summary>
    [Fact]
    public void Inspect_test_shows_the_test_script_as_apptainer_does()
    {
        string sif = ApptainerStyleSif.Write(dir.File("apptainer.sif"), TestImages.BusyboxTree, dir.Path);
        var text = Hpcrun.Run("inspect", "--runscript", "-t", sif);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Equal(ApptainerStyleSif.Runscript + ApptainerStyleSif.Test, text.Stdout);
        var json = Hpcrun.Run("inspect", "--test", "--json", sif);
        Assert.True(json.ExitCode == 0, json.ToString());
        JsonNode attributes = JsonNode.Parse(json.Stdout)!["data"]!["attributes"]!;
        Assert.Equal(ApptainerStyleSif.Test, (string?)attributes["test"]);
        string tree = dir.File("tree"), built = dir.File("built.sif");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        Directory.CreateDirectory(Path.Combine(tree, ".singularity.d"));
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "test"), "#!/bin/sh\nexit 0\n");
        TestEnvironment.RunChecked(Hpcrun.Binary, "build", built, tree);
        Assert.Equal("#!/bin/sh\nexit 0\n", Hpcrun.Run("inspect", "--test", built).Stdout);
        var none = Hpcrun.Run("inspect", "--test", TestImages.ApptainerArm64Sif);
        Assert.Equal((0, ""), (none.ExitCode, none.Stdout));
    }

    [Fact]
    public void Inspect_shows_the_config_and_build_record_without_mounting()
    {
        string sif = dir.File("app.sif");
        TestEnvironment.RunChecked(Hpcrun.Binary, "build", sif, UmociLayout(), "--tag", "app");
        string text = Hpcrun.Run("inspect", sif).Stdout;
        Assert.Contains("Format:       sif", text);
        Assert.Contains("Partition Squashfs PrimSys amd64", text);
        Assert.Contains("org.example.team=physics", text);
        Assert.Contains("GREETING=hello from umoci", text);
        Assert.Matches(@"Built from:   oci-layout app sha256:[0-9a-f]{64} for linux/amd64 by hpcrun \d", text);
        string json = Hpcrun.Run("inspect", "--json", sif).Stdout;
        Assert.Contains("\"sourceKind\": \"oci-layout\"", json);
        Assert.Contains("\"workingDir\": \"/data\"", json);
    }

    [Fact]
    public void A_corrupt_sif_is_refused_with_one_line_and_the_bad_image_status()
    {
        string sif = dir.File("app.sif");
        TestEnvironment.RunChecked(Hpcrun.Binary, "build", sif, TestImages.BusyboxTree);
        byte[] bytes = File.ReadAllBytes(sif);
        bytes[4096 + 25] = 0xFF; // the partition's size, far beyond the end of the file
        bytes[4096 + 32] = 0x7F;
        File.WriteAllBytes(sif, bytes);
        var run = Hpcrun.Run(sif, "true");
        Assert.Equal(65, run.ExitCode);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Contains("outside", run.Stderr);
    }

    [Fact]
    public void A_failed_build_exits_non_zero_and_leaves_no_file()
    {
        string layout = UmociLayout();
        foreach (string blob in Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"))
            .Where(b => new FileInfo(b).Length > 4096))
            File.Delete(blob);
        var build = TestEnvironment.Run(Hpcrun.Binary, ["build", dir.File("app.sif"), layout, "--tag", "app"]);
        Assert.Equal(65, build.ExitCode);
        Assert.Contains("is missing", build.Stderr);
        Assert.Equal(["bundle", "layout"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
    }
}
