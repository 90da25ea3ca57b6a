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

    /// <summary>What a transport names is looked at first, by the launch verbs, build, pull, doctor and bench alike:
    /// no path is 64, nothing there 66 (build says so as for any source), `oci:` naming no layout or an archive's
    /// transport naming no file 65 (build made an empty image of `oci:EMPTY_DIR` and read `docker-archive:/` as a
    /// root file system). pull names the build that makes an image of a real one (83), where it asked Docker
    /// Hub.</summary>
    [Fact]
    public void A_transport_naming_nothing_usable_is_refused_by_every_verb_and_pull_gives_the_build()
    {
        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        TestEnvironment.RunChecked("chmod", "a+rx", Path.Combine(dir, "empty"));
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build would write
        string output = Path.Combine(dir, "out.sif");
        foreach ((string source, int status, string says) in new[]
                 {
                     ("oci:", 64, "'oci:': give the archive's or layout's path after the colon"),
                     ("docker-archive:", 64, "'docker-archive:': give the archive's or layout's path after the colon"),
                     ($"docker-archive:{dir}/missing.tar", 66, $"image not found: docker-archive:{dir}/missing.tar"),
                     ($"oci:{dir}/empty", 65, $"oci:{dir}/empty: not an OCI layout (it has no oci-layout file)"),
                     ($"docker-archive:{dir}", 65, $"docker-archive:{dir}: not an archive: {dir} is no file"),
                 })
            foreach (string[] args in new string[][] { ["exec", source, "/bin/true"], ["build", output, source],
                         ["pull", output, source], ["doctor", source], ["bench", source] })
            {
                var result = Hpcrun.Run(args);
                Assert.True(result.ExitCode == status, $"{string.Join(' ', args)}: {result}");
                string expected = args[0] == "build" && status == 66
                    ? $"build source not found: {dir}/missing.tar" : says;
                Assert.Equal($"hpcrun: {expected}\n", result.Stderr);
                Assert.False(File.Exists(output));
            }
        var pull = Hpcrun.Run("pull", output, $"oci:{dir}/layout");
        Assert.True(pull.ExitCode == 83, pull.ToString());
        Assert.Equal($"hpcrun: oci:{dir}/layout: pull fetches from registries; an archive or OCI layout is built: " +
            $"hpcrun build {output} oci:{dir}/layout\n", pull.Stderr);
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
