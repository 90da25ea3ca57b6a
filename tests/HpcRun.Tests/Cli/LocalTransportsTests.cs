using HpcRun.CommandLine;

namespace HpcRun.Tests.Cli;

/// <summary>Apptainer's local transports (docker-archive:, oci:, oci-archive:): how they split, and the line that
/// refuses to launch one with the build that makes a SIF of it.</summary>
public class LocalTransportsTests
{
    private static bool Nothing(string path) => false;

    [Theory]
    [InlineData("docker-archive:app.tar", "app.tar", null)]
    [InlineData("docker-archive:/data/app.tar:app:1", "/data/app.tar", "app:1")]
    [InlineData("oci-archive:app.oci.tar:1.0", "app.oci.tar", "1.0")]
    [InlineData("oci:layout", "layout", null)]
    [InlineData("oci:./layout:latest", "./layout", "latest")]
    public void A_transport_names_a_path_and_the_image_after_its_first_colon(string source, string path,
        string? named) =>
        Assert.Equal((path, named), LocalTransports.Split(source, Nothing));

    [Fact]
    public void A_path_that_exists_with_its_colons_stays_a_path_and_other_words_are_no_transport()
    {
        Assert.Null(LocalTransports.Split("oci:layout", p => p == "oci:layout"));
        Assert.Equal(("a:b", null), LocalTransports.Split("oci:a:b", p => p == "a:b"));
        Assert.Null(LocalTransports.Split("app.sif", Nothing));
        Assert.Null(LocalTransports.Split("docker://busybox", Nothing));
        Assert.Null(LocalTransports.Refusal("app.sif", Nothing));
    }

    [Theory]
    [InlineData("docker-archive:/data/app.tar.gz:app:1", "app.sif")]
    [InlineData("oci-archive:solver.tgz", "solver.sif")]
    [InlineData("oci:/data/layout/", "layout.sif")]
    [InlineData("oci:.", "image.sif")]
    public void The_refusal_gives_the_build_that_makes_a_sif_named_after_the_file(string source, string output) =>
        Assert.Equal($"{source}: hpcrun runs an image archive or OCI layout once it is built into a SIF: " +
            $"hpcrun build {output} {source}, then run {output}", LocalTransports.Refusal(source, Nothing));

    [Fact]
    public void Words_a_shell_would_split_are_quoted_and_the_status_is_83()
    {
        Assert.Equal("my app.tar: hpcrun runs an image archive or OCI layout once it is built into a SIF: " +
            "hpcrun build 'my app.sif' 'my app.tar', then run 'my app.sif'",
            LocalTransports.BuildFirst("my app.tar", "my app.tar", Nothing));
        var refused = Assert.Throws<HpcRunException>(() => LocalTransports.Check("oci:layout", Nothing));
        Assert.Equal(83, (int)refused.Code);
    }

    /// <summary>The build given writes a file that is not there: the build would refuse to replace one (80).
    /// </summary>
    [Theory]
    [InlineData("app.tar", new string[0], "app.sif")]
    [InlineData("app.tar", new[] { "app.sif" }, "app-2.sif")]
    [InlineData("/data/app.tar.gz", new[] { "app.sif", "app-2.sif" }, "app-3.sif")]
    [InlineData("oci:.", new[] { "image.sif" }, "image-2.sif")]
    public void The_build_given_writes_a_sif_that_is_not_there(string source, string[] there, string output)
    {
        string path = LocalTransports.Split(source, Nothing)?.Path ?? source;
        Assert.EndsWith($"hpcrun build {output} {source}, then run {output}",
            LocalTransports.BuildFirst(source, path, there.Contains));
    }

    /// <summary>The name loses the extensions of every compression the build reads, not only gzip's (app.txz gave
    /// app.txz.sif).</summary>
    [Theory]
    [InlineData("app.txz"), InlineData("app.tar.xz"), InlineData("app.tar.zst"), InlineData("app.tzst"),
        InlineData("app.tar.zstd"), InlineData("app.TGZ")]
    public void The_build_given_names_the_sif_after_a_compressed_archive_without_its_extensions(string archive) =>
        Assert.Equal($"hpcrun build app.sif {archive}",
            ArchiveBuild.Command(archive, archive, Nothing, writable: _ => true).Command);

    /// <summary>OUT goes where the user may write: the current directory, else beside the archive, else the home
    /// (a job started in / was given an OUT there, which the build could not write).</summary>
    [Fact]
    public void The_build_given_writes_where_the_user_may()
    {
        string home = Environment.GetEnvironmentVariable("HOME")!;
        Assert.Equal("hpcrun build app.sif /data/app.tar",
            ArchiveBuild.Command("/data/app.tar", "/data/app.tar", Nothing, writable: _ => true).Command);
        Assert.Equal("hpcrun build /data/app.sif oci-archive:/data/app.tar:1", ArchiveBuild.Command(
            "oci-archive:/data/app.tar:1", "/data/app.tar", Nothing, writable: d => d == "/data").Command);
        Assert.Equal($"hpcrun build {Path.Join(home, "app-2.sif")} /data/app.tar", ArchiveBuild.Command(
            "/data/app.tar", "/data/app.tar", p => p == Path.Join(home, "app.sif"), writable: d => d == home).Command);
        Assert.Equal("hpcrun build app.sif /data/app.tar",
            ArchiveBuild.Command("/data/app.tar", "/data/app.tar", Nothing, writable: _ => false).Command);
    }

    /// <summary>What a pull was told that the build needs too is carried over: its OUT, --dir and --force (the
    /// advice named image.sif, which might be there, and dropped both options).</summary>
    [Fact]
    public void The_build_given_for_a_pull_keeps_its_out_dir_and_force()
    {
        Assert.Equal(("hpcrun build --force /out/app-2.sif docker-archive:app.tar", "/out/app-2.sif"),
            ArchiveBuild.Command("docker-archive:app.tar", "app.tar", p => p == "/out/app.sif",
                new ArchiveBuild.Asked(Directory: "/out", Force: true)));
        Assert.Equal("hpcrun build /out/x.sif app.tar", ArchiveBuild.Command("app.tar", "app.tar",
            _ => true, new ArchiveBuild.Asked("x.sif", "/out")).Command); // the user's own OUT, as the pull's
        Assert.Equal("hpcrun build 'my x.sif' app.tar",
            ArchiveBuild.Command("app.tar", "app.tar", Nothing, new ArchiveBuild.Asked("my x.sif")).Command);
    }

    /// <summary>containers/image's `FILE:@N` (an image by its place in the archive) is refused for every transport,
    /// before anything is looked at: hpcrun chooses by tag.</summary>
    [Theory]
    [InlineData("docker-archive:app.tar:@1", ":@1")]
    [InlineData("oci-archive:/data/app.tar:@0", ":@0")]
    [InlineData("oci:layout:@2", ":@2")]
    public void An_image_picked_by_its_place_is_a_usage_error(string source, string index)
    {
        var error = Assert.Throws<HpcRunException>(() => LocalTransports.Existing(source));
        Assert.Equal((ExitCode.Usage, $"{source}: `{index}` picks an image by its place in the archive: not " +
            "supported: choose one with --tag (in a definition file: From: FILE:TAG)"), (error.Code, error.Message));
    }
}
