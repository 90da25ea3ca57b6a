using HpcRun.Build.Recipe;
using HpcRun.Image.Posix;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>What keys a local FROM in the build cache: a directory by its whole tree's metadata, so that a change
/// anywhere in it is another base, and reading it (a build copying it) is not.</summary>
public sealed class TreeIdentityTests : IDisposable
{
    private readonly string tree = Directory.CreateTempSubdirectory("hpcrun-identity-").FullName;

    public TreeIdentityTests()
    {
        Directory.CreateDirectory(Path.Combine(tree, "etc/deep"));
        File.WriteAllText(Path.Combine(tree, "etc/deep/marker"), "d1\n");
        File.CreateSymbolicLink(Path.Combine(tree, "link"), "etc/deep/marker");
    }

    public void Dispose() => Directory.Delete(tree, recursive: true);

    private string Marker => Path.Combine(tree, "etc/deep/marker");

    [Fact]
    public void Reading_the_tree_keeps_its_identity()
    {
        string before = TreeIdentity.Of(tree);
        _ = File.ReadAllText(Marker);
        _ = Directory.GetFileSystemEntries(tree, "*", SearchOption.AllDirectories);
        Assert.Equal(before, TreeIdentity.Of(tree));
    }

    /// <summary>The top directory's time does not change when a file deep inside does (the defect); neither size
    /// nor modification time when a file is rewritten and its time set back: the change time does.</summary>
    [Fact]
    public void A_file_changed_deep_inside_with_its_size_and_time_kept_is_another_tree()
    {
        DateTime top = Directory.GetLastWriteTimeUtc(tree), time = File.GetLastWriteTimeUtc(Marker);
        string before = TreeIdentity.Of(tree);
        File.WriteAllText(Marker, "d2\n");
        File.SetLastWriteTimeUtc(Marker, time);
        Assert.Equal(top, Directory.GetLastWriteTimeUtc(tree));
        Assert.NotEqual(before, TreeIdentity.Of(tree));
    }

    [Theory]
    [InlineData("chmod")]
    [InlineData("retarget")]
    [InlineData("add")]
    [InlineData("rename")]
    public void Any_change_of_metadata_is_another_tree(string change)
    {
        string before = TreeIdentity.Of(tree);
        switch (change)
        {
            case "chmod": File.SetUnixFileMode(Marker, UnixFileMode.UserRead); break;
            case "retarget":
                File.Delete(Path.Combine(tree, "link"));
                File.CreateSymbolicLink(Path.Combine(tree, "link"), "etc/deep/other");
                break;
            case "add": File.WriteAllText(Path.Combine(tree, "etc/deep/new"), ""); break;
            case "rename": File.Move(Marker, Marker + "2"); break;
        }
        Assert.NotEqual(before, TreeIdentity.Of(tree));
    }

    [Fact]
    public void A_file_is_keyed_by_its_metadata_and_a_missing_path_is_not_found()
    {
        string before = TreeIdentity.Of(Marker);
        Assert.Equal(before, TreeIdentity.Of(Marker));
        DateTime time = File.GetLastWriteTimeUtc(Marker);
        File.WriteAllText(Marker, "d9\n");
        File.SetLastWriteTimeUtc(Marker, time);
        Assert.NotEqual(before, TreeIdentity.Of(Marker));
        Assert.Throws<MissingFileException>(() => TreeIdentity.Of(Path.Combine(tree, "nothing")));
    }
}
