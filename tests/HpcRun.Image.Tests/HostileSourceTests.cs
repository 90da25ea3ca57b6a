using System.Text.Json.Nodes;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>Layouts and archives whose files point out of them (a host file, /dev/zero, a FIFO): refused as malformed,
/// never read, never waited on, nothing left behind.</summary>
public sealed class HostileSourceTests : IDisposable
{
    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;

    public void Dispose() => building.Dispose();

    private static OciImage Image() =>
        new OciImage().Layer(new LayerTar().Dir("etc").File("etc/os-release", "ID=test"));

    private string Layout() => OciImage.WriteLayout(sandbox.File("layout"), Image());

    /// <summary>The layout's blobs, largest (the layer) first.</summary>
    private static string[] Blobs(string layout) =>
        [.. Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")).OrderByDescending(f => new FileInfo(f).Length)];

    private static string Replace(string file, Action<string> with)
    {
        File.Delete(file);
        with(file);
        return file;
    }

    private string Refused(string source)
    {
        var e = Assert.Throws<ImageFormatException>(() => building.Build(source));
        Assert.DoesNotContain(building.Entries(), e => e.StartsWith(".hpcrun-build") || e == "out.sif");
        return e.Message;
    }

    [Fact]
    public void An_index_that_is_a_symlink_to_a_host_file_is_not_read()
    {
        string elsewhere = OciImage.WriteLayout(sandbox.File("elsewhere"), Image()); // a valid index, outside
        string layout = Layout();
        string index = Path.Combine(elsewhere, "index.json");
        Replace(Path.Combine(layout, "index.json"), f => File.CreateSymbolicLink(f, index));
        Assert.Equal($"index.json is a symbolic link to {index}, which leads to no file inside the image: its " +
            "files must be in it (a link is read inside it)", Refused(layout));
    }

    [Fact]
    public void A_manifest_that_is_a_symlink_out_of_the_layout_is_not_read()
    {
        string elsewhere = OciImage.WriteLayout(sandbox.File("elsewhere"), Image());
        string layout = Layout();
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        string manifest = index["manifests"]![0]!["digest"]!.GetValue<string>();
        string blob = Path.Combine(layout, "blobs", "sha256", manifest["sha256:".Length..]);
        Replace(blob, f => File.CreateSymbolicLink(f, "../../../elsewhere/blobs/sha256/" + Path.GetFileName(f)));
        Assert.Equal($"blobs/sha256/{Path.GetFileName(blob)} is a symbolic link to ../../../elsewhere/blobs/sha256/" +
            $"{Path.GetFileName(blob)}, which leads to no file inside the image: its files must be in it (a link is " +
            "read inside it)", Refused(layout));
    }

    [Fact]
    public void A_layer_that_is_a_symlink_to_dev_zero_is_not_read()
    {
        string layout = Layout();
        Replace(Blobs(layout)[0], f => File.CreateSymbolicLink(f, "/dev/zero"));
        Assert.Contains("is a symbolic link to /dev/zero, which leads to no file inside the image", Refused(layout));
    }

    [Fact]
    public void A_layer_that_is_a_fifo_is_refused_without_waiting_on_it()
    {
        string layout = Layout();
        string blob = Replace(Blobs(layout)[0], f => TestEnvironment.RunChecked("mkfifo", f));
        Assert.Equal($"blobs/sha256/{Path.GetFileName(blob)} in the image is not a regular file", Refused(layout));
    }

    [Fact]
    public void A_layer_symlinked_to_a_fifo_inside_the_layout_is_refused_without_waiting_on_it()
    {
        string layout = Layout();
        TestEnvironment.RunChecked("mkfifo", Path.Combine(layout, "pipe"));
        Replace(Blobs(layout)[0], f => File.CreateSymbolicLink(f, "../../pipe"));
        Assert.EndsWith("in the image is not a regular file", Refused(layout));
    }

    [Fact]
    public void An_archive_whose_index_is_a_symlink_to_a_host_file_is_not_read()
    {
        string layout = Layout();
        Replace(Path.Combine(layout, "index.json"), f => File.CreateSymbolicLink(f, "/etc/hostname"));
        Assert.StartsWith("index.json is a symbolic link to /etc/hostname, which leads to no file inside the image",
            Refused(OciImage.Tar(layout, sandbox.File("layout.tar"))));
    }
}
