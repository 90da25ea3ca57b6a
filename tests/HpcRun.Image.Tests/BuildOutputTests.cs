using HpcRun.Build;
using HpcRun.Build.Posix;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>Where a build writes: OUT refused when it exists (unless forced) or cannot be written, scratch space
/// private and fresh, nothing left when a build fails or is cancelled.</summary>
public sealed class BuildOutputTests : IDisposable
{
    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;

    public void Dispose() => building.Dispose();

    private string Layout() => OciImage.WriteLayout(sandbox.File("layout"), new OciImage()
        .Layer(new LayerTar().Dir("etc").File("etc/os-release", "ID=test").Dir("opt")));

    private static ImageBuildException Unwritable(Action build)
    {
        var e = Assert.Throws<ImageBuildException>(build);
        Assert.Equal(BuildFailure.OutputUnwritable, e.Failure);
        Assert.DoesNotContain(".hpcrun-build", e.Message);
        return e;
    }

    [Fact]
    public void An_existing_output_is_kept_unless_forced()
    {
        string layout = Layout();
        File.WriteAllText(sandbox.File("out.sif"), "precious");
        Assert.Contains("--force", Unwritable(() => building.Build(layout)).Message);
        Assert.Equal("precious", File.ReadAllText(sandbox.File("out.sif")));
        Assert.Equal(["layout", "out.sif"], building.Entries());
        building.Build(layout, with: r => r with { Force = true });
        Assert.Equal("ID=test", Building.Cat(sandbox.File("out.sif"), "etc/os-release"));
        Assert.Equal(["layout", "out.sif"], building.Entries());
    }

    [Fact]
    public void An_output_that_is_a_directory_is_refused_even_when_forced()
    {
        string layout = Layout();
        Directory.CreateDirectory(sandbox.File("out.sif"));
        var e = Unwritable(() => building.Build(layout, with: r => r with { Force = true }));
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void An_output_in_a_missing_directory_is_refused_naming_it()
    {
        string layout = Layout();
        string output = sandbox.File("missing/out.sif");
        var e = Unwritable(() => building.Build(layout, "missing/out.sif"));
        Assert.Equal($"cannot write {output}: its directory {sandbox.File("missing")} does not exist", e.Message);
    }

    /// <summary>/proc is there, but its file system takes no new file (mkdir: ENOENT): said so, not "its directory
    /// /proc does not exist".</summary>
    [Fact]
    public void An_output_in_a_directory_that_takes_no_files_is_refused_saying_so()
    {
        string layout = Layout();
        var e = Unwritable(() => building.Build(layout, with: r => r with { Output = "/proc/out.sif" }));
        Assert.Equal("cannot write /proc/out.sif: its directory /proc takes no new files: its file system refuses " +
            "them", e.Message);
    }

    [Fact]
    public void Scratch_space_is_fresh_and_private_whatever_was_planted_under_the_old_predictable_names()
    {
        string layout = Layout();
        string old = $".out.sif.{Environment.ProcessId}"; // the names builds used to take
        string planted = Directory.CreateDirectory(sandbox.File($"{old}.build/rootfs/opt")).FullName;
        File.WriteAllText(Path.Combine(planted, "x"), "planted");
        File.WriteAllText(sandbox.File("victim"), "victim's");
        File.CreateSymbolicLink(sandbox.File($"{old}.partial"), sandbox.File("victim"));
        string[] scratch = [];
        UnixFileMode? mode = null;
        building.Reporter.OnStep = step =>
        {
            if (!step.StartsWith("unpacking", StringComparison.Ordinal)) return;
            scratch = Directory.GetDirectories(sandbox.Path, ".hpcrun-build.*");
            mode = File.GetUnixFileMode(Assert.Single(scratch));
        };
        string sif = building.Build(layout);
        Assert.DoesNotContain("opt/x", Building.Listing(sif));
        Assert.Equal("victim's", File.ReadAllText(sandbox.File("victim")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, mode);
        Assert.False(Directory.Exists(scratch[0]));
        Assert.True(File.Exists(Path.Combine(planted, "x"))); // another user's files are not the build's to remove
    }

    /// <summary>The layers written straight into SquashFS, or applied on disk for mksquashfs (which an argument of
    /// its own asks for).</summary>
    [Theory]
    [InlineData("unpacking layer 1/1", null), InlineData("writing the SquashFS tables", null)]
    [InlineData("unpacking layer 1/1", "-processors 1"), InlineData("making the SquashFS file system", "-processors 1")]
    public void A_cancelled_build_leaves_no_file_and_no_mksquashfs(string step, string? args)
    {
        string layout = Layout();
        using var cancel = new CancellationTokenSource();
        building.Reporter.OnStep = s => { if (s == step) cancel.Cancel(); };
        Assert.ThrowsAny<OperationCanceledException>(() => building.Build(layout,
            with: r => r with { MksquashfsArgs = args?.Split(' ') }, cancel: cancel.Token));
        Assert.Equal(["layout"], building.Entries());
        string path = sandbox.Path;
        Assert.DoesNotContain(Processes.All(), p => p.Name == "mksquashfs" && p.CommandLine.Any(a => a.Contains(path)));
    }

    [Fact]
    public void Mksquashfs_writes_its_progress_to_a_terminal_which_is_what_makes_it_draw_its_bar()
    {
        using var child = ChildTool.Start("sh", ["-c", "test -t 1 && echo terminal; test -t 2 || echo stderr-is-not"],
            []);
        byte[] buffer = new byte[256];
        string output = "";
        for (int n; (n = child.Read(buffer)) > 0;) output += System.Text.Encoding.ASCII.GetString(buffer, 0, n);
        Assert.Equal((0, 0), child.Wait());
        Assert.Equal("terminal\r\nstderr-is-not\r\n", output);
    }

    [Fact]
    public void A_directory_builds_progress_comes_from_mksquashfs_as_it_goes()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        var random = new Random(1);
        for (int i = 0; i < 48; i++)
        {
            byte[] data = new byte[2 << 20];
            random.NextBytes(data); // incompressible: mksquashfs takes seconds, drawing its bar four times a second
            File.WriteAllBytes(Path.Combine(tree, $"f{i}"), data);
        }
        Xattr.Set(tree); // mksquashfs makes the image, not hpcrun's own writer
        building.Build(tree);
        List<long> progress = building.Reporter.Progress["making the SquashFS file system"];
        Assert.Contains(progress, p => p is > 0 and < 100);
        Assert.Equal(100, progress[^1]);
    }
}
