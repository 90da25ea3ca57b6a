using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Apptainer's `exec docker-archive:FILE`, `oci:DIR`, `oci-archive:FILE`, and such an archive or layout
/// named bare: every launch verb refuses it in one line that gives the build that makes a SIF of it (83), and
/// `docker-daemon:` says how to get an archive (64).</summary>
[Collection(ContainerCollection.Name)]
public sealed class ArchiveImageTests : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"archives-{Guid.NewGuid():N}");

    public ArchiveImageTests()
    {
        Directory.CreateDirectory(Path.Combine(dir, "layout"));
        File.WriteAllText(Path.Combine(dir, "layout", "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllText(Path.Combine(dir, "layout", "index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
        TestEnvironment.RunChecked("tar", "-cf", Path.Combine(dir, "app.tar"), "-C", dir, "layout");
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
    }

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    public static TheoryData<string, string> Sources => new()
    {
        { "docker-archive:{0}/app.tar", "app.sif" },
        { "docker-archive:{0}/app.tar:app:1", "app.sif" },
        { "oci-archive:{0}/app.tar:1.0", "app.sif" },
        { "oci:{0}/layout", "layout.sif" },
        { "{0}/app.tar", "app.sif" },
        { "{0}/layout", "layout.sif" },
    };

    [Theory, MemberData(nameof(Sources))]
    public void Each_launch_verb_refuses_an_archive_or_layout_and_gives_the_build(string form, string output)
    {
        string source = string.Format(form, dir);
        string expected = $"hpcrun: {source}: hpcrun runs an image archive or OCI layout once it is built into a " +
            $"SIF: hpcrun build {output} {source}, then run {output}\n";
        foreach (string[] args in new[] { ["exec", source, "/bin/true"], ["run", source], ["shell", source],
                     ["test", source], new[] { source, "/bin/true" } })
        {
            var result = Hpcrun.Run(args);
            Assert.True(result.ExitCode == 83, result.ToString());
            Assert.Equal(("", expected), (result.Stdout, result.Stderr));
        }
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void A_docker_daemon_image_says_how_to_get_an_archive()
    {
        var result = Hpcrun.Run("exec", "docker-daemon:app:1", "/bin/true");
        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Equal("hpcrun: 'docker-daemon:app:1' is not supported: hpcrun reads no Docker daemon: `docker save " +
            "IMG -o image.tar`, then `hpcrun build image.sif docker-archive:image.tar`\n", result.Stderr);
    }
}
