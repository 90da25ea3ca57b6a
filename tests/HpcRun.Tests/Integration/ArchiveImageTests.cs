using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Apptainer's `exec docker-archive:FILE`, `oci:DIR`, `oci-archive:FILE`, and such an archive or layout
/// named bare (told by its content, gzip'd or not): every launch verb refuses it in one line that gives the build that
/// makes a SIF of it (83), a tar that is no image archive gets the build's own refusal (65), and `docker-daemon:`
/// says how to get an archive (64).</summary>
[Collection(ContainerCollection.Name)]
public sealed class ArchiveImageTests : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"archives-{Guid.NewGuid():N}");

    public ArchiveImageTests()
    {
        Directory.CreateDirectory(Path.Combine(dir, "layout"));
        File.WriteAllText(Path.Combine(dir, "layout", "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllText(Path.Combine(dir, "layout", "index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
        // as skopeo and `tar -C layout .` write one: the layout's files at the top
        TestEnvironment.RunChecked("tar", "-cf", Path.Combine(dir, "app.tar"), "-C", Path.Combine(dir, "layout"), ".");
        TestEnvironment.RunChecked("sh", "-c", $"gzip -c {dir}/app.tar > {dir}/app.tar.gz");
        // a root file system's tar: a tar, but no image archive
        Directory.CreateDirectory(Path.Combine(dir, "rootfs", "bin"));
        File.WriteAllText(Path.Combine(dir, "rootfs", "bin", "tool"), "#!/bin/sh\n");
        TestEnvironment.RunChecked("tar", "-cf", Path.Combine(dir, "rootfs.tar"), "-C", Path.Combine(dir, "rootfs"),
            ".");
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
        { "{0}/app.tar.gz", "app.sif" }, // gzip'd, as `docker save | gzip` makes it
        { "docker-archive:{0}/app.tar.gz", "app.sif" },
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

    public static TheoryData<string, string> Written => new()
    {
        { "docker.tar", "docker-archive:{0}:bb:1" }, // skopeo's and podman's: manifest.json after the layers
        { "docker-reversed.tar", "docker-archive:{0}" }, // docker save's: manifest.json first
        { "oci.tar", "oci-archive:{0}:1" }, // index.json and oci-layout after the blobs
        { "oci-reversed.tar", "oci-archive:{0}" },
    };

    /// <summary>An archive skopeo wrote (the layers first, the names that make it an image archive last) and the
    /// same with its entries reversed: a launch and inspect, named bare or through the transport, give the build
    /// (83; skopeo's docker-archive was refused as no image archive, 65), and that build, bare or through the
    /// transport, makes an image that runs.</summary>
    [Theory, MemberData(nameof(Written))]
    public void An_archive_is_told_by_its_entries_in_any_order_and_builds_bare_or_through_its_transport(string name,
        string transport)
    {
        string archive = Path.Combine(TestImages.BusyboxArchives, name), output = Path.ChangeExtension(name, "sif");
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the builds write
        foreach (string source in new[] { archive, string.Format(transport, archive) })
        {
            foreach (string[] args in new[] { [source, "/bin/true"], new[] { "inspect", source } })
            {
                var refused = Hpcrun.Run(args, cwd: dir);
                Assert.True(refused.ExitCode == 83, refused.ToString());
                Assert.Equal($"hpcrun: {source}: hpcrun runs an image archive or OCI layout once it is built into a " +
                    $"SIF: hpcrun build {output} {source}, then run {output}\n", refused.Stderr);
            }
            var build = Hpcrun.Run(["build", output, source], cwd: dir);
            Assert.True(build.ExitCode == 0, build.ToString());
            var run = Hpcrun.Run(["exec", Path.Combine(dir, output), "/bin/echo", "ran"]);
            Assert.Equal((0, "ran\n"), (run.ExitCode, run.Stdout));
            File.Delete(Path.Combine(dir, output));
        }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>A directory the build reads as an image archive is no root file system to run: an unpacked `docker
    /// save` archive (manifest.json at its top; it was launched as one) is refused with the build, as a layout is.
    /// </summary>
    [Fact]
    public void An_unpacked_docker_save_archive_is_refused_with_the_build()
    {
        string unpacked = Path.Combine(dir, "unpacked");
        Directory.CreateDirectory(unpacked);
        TestEnvironment.RunChecked("tar", "-xf", Path.Combine(TestImages.BusyboxArchives, "docker.tar"), "-C",
            unpacked);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", unpacked);
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build given would write
        foreach (string[] args in new[] { ["exec", unpacked, "/bin/true"], new[] { "doctor", unpacked } })
        {
            var result = Hpcrun.Run(args, cwd: dir);
            Assert.True(result.ExitCode == 83, result.ToString());
            Assert.Equal($"hpcrun: {unpacked}: hpcrun runs an image archive or OCI layout once it is built into a " +
                $"SIF: hpcrun build unpacked.sif {unpacked}, then run unpacked.sif\n", result.Stderr);
        }
    }

    /// <summary>What `docker save` wrote before Docker 1.10 (ID/layer.tar, no manifest.json), as a tar or unpacked:
    /// a launch, a build and a recipe's FROM say in one line that the format is too old and how to save it again
    /// (65). The tar was "neither a docker save archive nor an OCI layout" (a launch added: unpack it into a
    /// directory), and the unpacked one was built as a root file system, its layers files of the image.</summary>
    [Fact]
    public void A_docker_save_of_docker_before_1_10_is_said_to_be_too_old()
    {
        string old = Path.Combine(dir, "old"), id = new('c', 64);
        Directory.CreateDirectory(Path.Combine(old, id));
        File.WriteAllText(Path.Combine(old, "repositories"), $"{{\"app\":{{\"1\":\"{id}\"}}}}");
        File.WriteAllText(Path.Combine(old, id, "json"), $"{{\"id\":\"{id}\"}}");
        File.WriteAllText(Path.Combine(old, id, "VERSION"), "1.0");
        TestEnvironment.RunChecked("tar", "-cf", Path.Combine(old, id, "layer.tar"), "-C", TestImages.BusyboxTree,
            "bin");
        TestEnvironment.RunChecked("tar", "-cf", Path.Combine(dir, "old.tar"), "-C", old, ".");
        TestEnvironment.RunChecked("sh", "-c", $"gzip -c {dir}/old.tar > {dir}/old.tar.gz");
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), "FROM ./old\nRUN true\n");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", dir);
        string output = Path.Combine(dir, "out.sif");
        foreach (string source in new[] { $"{dir}/old.tar", $"{dir}/old.tar.gz", $"docker-archive:{dir}/old.tar", old })
            foreach (string[] args in new string[][] { ["exec", source, "/bin/true"], ["build", output, source] })
            {
                var result = Hpcrun.Run(args);
                Assert.True(result.ExitCode == 65, $"{string.Join(' ', args)}: {result}");
                Assert.EndsWith($"hpcrun: {source}: a docker save archive of Docker before 1.10 (layers in " +
                    "ID/layer.tar, no manifest.json), a format too old for hpcrun (and skopeo): load it into a " +
                    "current Docker and save it again (docker load -i ARCHIVE; docker save -o NEW.tar IMAGE), then " +
                    "build NEW.tar\n", result.Stderr);
                Assert.False(File.Exists(output));
            }
        // doctor fails the image in the same words, the advice as its fix: it said "not an image" of the archive and
        // only warned, "cannot tell the architecture", of the directory.
        foreach (string source in new[] { $"{dir}/old.tar", $"{dir}/old.tar.gz", old })
        {
            var doctor = Hpcrun.Run("doctor", source);
            Assert.True(doctor.ExitCode == 75, doctor.ToString());
            Assert.Contains($"\nFAIL  image: {source}: a docker save archive of Docker before 1.10 (layers in " +
                "ID/layer.tar, no manifest.json), a format too old for hpcrun (and skopeo) (fix: load it into a " +
                "current Docker and save it again (docker load -i ARCHIVE; docker save -o NEW.tar IMAGE), then " +
                "build NEW.tar)\n", doctor.Stdout);
        }
        var recipe = Hpcrun.Run(["build", "--no-cache", output, "Dockerfile"], cwd: dir);
        Assert.True(recipe.ExitCode == 65, recipe.ToString());
        Assert.Contains("./old: a docker save archive of Docker before 1.10", recipe.Stderr);
        Assert.False(File.Exists(output));
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>doctor, bench and pull of an archive or layout named bare refuse it as a launch does, in one line
    /// naming it (83): doctor checked a layout as a root file system (WARN, 0) and an archive as no image (FAIL,
    /// 75); bench gave a layout's refusal once per benchmark (88) and an archive's "not an image" without its name
    /// (65); pull took the path for an image reference (100).</summary>
    [Fact]
    public void Doctor_bench_and_pull_refuse_an_archive_or_layout_named_bare_as_a_launch_does()
    {
        string archives = TestImages.BusyboxArchives;
        TestEnvironment.RunChecked("sh", "-c", $"gzip -c {archives}/docker.tar > {dir}/docker.tar.gz");
        TestEnvironment.RunChecked("chmod", "a+r", Path.Combine(dir, "docker.tar.gz"));
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build given would write
        foreach ((string source, string output) in new[] { ($"{archives}/oci.tar", "oci.sif"),
                     ($"{dir}/docker.tar.gz", "docker.sif"), ($"{archives}/layout", "layout.sif"),
                     ($"{dir}/layout", "layout.sif") })
        {
            foreach (string[] args in new[] { ["doctor", source], new[] { "bench", source, "--rounds", "3" } })
            {
                var result = Hpcrun.Run(args, cwd: dir);
                Assert.True(result.ExitCode == 83, $"{string.Join(' ', args)}: {result}");
                Assert.Equal(("", $"hpcrun: {source}: hpcrun runs an image archive or OCI layout once it is built " +
                    $"into a SIF: hpcrun build {output} {source}, then run {output}\n"),
                    (result.Stdout, result.Stderr));
            }
            var pull = Hpcrun.Run("pull", "x.sif", source);
            Assert.True(pull.ExitCode == 83, pull.ToString());
            Assert.Equal($"hpcrun: {source}: pull fetches from registries; an archive or OCI layout is built: " +
                $"hpcrun build x.sif {source}\n", pull.Stderr);
        }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>What a transport names is looked at first, by the launch verbs, build, pull, doctor and bench alike:
    /// no path is 64, nothing there 66 (build says so as for any source), `oci:` naming no layout or an archive's
    /// transport naming no file 65 (build made an empty image of `oci:EMPTY_DIR` and read `docker-archive:/` as a
    /// root file system). pull names the build that makes an image of a real one (83), where it asked Docker
    /// Hub. A FIFO is no file to read an archive from (opening it waited for a writer).</summary>
    [Fact]
    public void A_transport_naming_nothing_usable_is_refused_by_every_verb_and_pull_gives_the_build()
    {
        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        TestEnvironment.RunChecked("chmod", "a+rx", Path.Combine(dir, "empty"));
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build would write
        TestEnvironment.RunChecked("mkfifo", "-m", "0666", Path.Combine(dir, "fifo")); // not opened: no writer comes
        string output = Path.Combine(dir, "out.sif");
        foreach ((string source, int status, string says) in new[]
                 {
                     ("oci:", 64, "'oci:': give the archive's or layout's path after the colon"),
                     ("docker-archive:", 64, "'docker-archive:': give the archive's or layout's path after the colon"),
                     ($"docker-archive:{dir}/missing.tar", 66, $"image not found: docker-archive:{dir}/missing.tar"),
                     ($"oci:{dir}/empty", 65, $"oci:{dir}/empty: not an OCI layout (it has no oci-layout file)"),
                     ($"docker-archive:{dir}", 65, $"docker-archive:{dir}: not an archive: {dir} is no file"),
                     ($"oci-archive:{dir}/fifo", 65, $"oci-archive:{dir}/fifo: not an archive: {dir}/fifo is no file"),
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

    /// <summary>The build a refusal gives must not fail for what it names: its OUT is not a file that is there (the
    /// build would refuse to replace it, 80), and a tar that is no image archive gets the line the build would give
    /// (65) instead of a build, whether named bare or through a transport.</summary>
    [Fact]
    public void The_build_given_writes_a_new_file_and_a_tar_that_is_no_image_archive_is_refused_as_the_build_does()
    {
        string cwd = Path.Combine(dir, "cwd");
        Directory.CreateDirectory(cwd);
        File.WriteAllText(Path.Combine(cwd, "app.sif"), "");
        File.WriteAllText(Path.Combine(cwd, "app-2.sif"), "");
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", cwd);
        TestEnvironment.RunChecked("chmod", "a+rwx", cwd); // where the build given would write
        string source = Path.Combine(dir, "app.tar");
        var taken = Hpcrun.Run(["exec", source, "/bin/true"], cwd: cwd);
        Assert.True(taken.ExitCode == 83, taken.ToString());
        Assert.EndsWith($"hpcrun build app-3.sif {source}, then run app-3.sif\n", taken.Stderr);

        string rootfs = Path.Combine(dir, "rootfs.tar");
        var bare = Hpcrun.Run("exec", rootfs, "/bin/true");
        Assert.True(bare.ExitCode == 65, bare.ToString());
        Assert.Equal($"hpcrun: {rootfs}: a tar archive that is neither a docker save archive nor an OCI layout, " +
            "which hpcrun build reads, nor an image, which is a directory, a SquashFS or a SIF (a root file " +
            "system's tar: unpack it into a directory)\n", bare.Stderr);
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build would write
        TestEnvironment.RunChecked("mkfifo", "-m", "0666", Path.Combine(dir, "fifo")); // not opened: no writer comes
        string output = Path.Combine(dir, "out.sif");
        foreach (string transport in new[] { "docker-archive:", "oci-archive:" })
            foreach (string[] args in new string[][] { ["exec", transport + rootfs, "/bin/true"],
                         ["build", output, transport + rootfs] })
            {
                var result = Hpcrun.Run(args);
                Assert.True(result.ExitCode == 65, $"{string.Join(' ', args)}: {result}");
                Assert.Equal($"hpcrun: {transport}{rootfs}: {rootfs} is neither a docker save archive nor an OCI " +
                    "layout\n", result.Stderr);
                Assert.False(File.Exists(output));
            }
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>An image picked by its place in an archive (containers/image's `FILE:@N`) is refused in one line:
    /// hpcrun picks by tag.</summary>
    [Fact]
    public void An_image_picked_by_its_place_in_the_archive_is_refused()
    {
        string source = $"docker-archive:{dir}/app.tar:@0";
        foreach (string[] args in new string[][] { ["exec", source, "/bin/true"], ["build", $"{dir}/out.sif", source] })
        {
            var result = Hpcrun.Run(args);
            Assert.True(result.ExitCode == 64, result.ToString());
            Assert.Equal($"hpcrun: {source}: `:@0` picks an image by its place in the archive: not supported: " +
                "choose one with --tag (in a definition file: From: FILE:TAG)\n", result.Stderr);
        }
    }

    /// <summary>`docker-daemon:IMG` gets the same line from every verb that takes an image, naming IMG in the `docker
    /// save` to run: pull took it for a registry's name (100), bench, doctor and submit for a file not found (66, 75).
    /// </summary>
    [Fact]
    public void A_docker_daemon_image_says_how_to_get_an_archive()
    {
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build given would write
        const string image = "docker-daemon:app:1";
        foreach (string[] args in new string[][] { ["exec", image, "/bin/true"], [image], ["inspect", image],
                     ["run-help", image], ["pull", image], ["pull", "x.sif", image], ["bench", image],
                     ["doctor", image], ["submit", image, "/bin/true"] })
        {
            var result = Hpcrun.Run(args, cwd: dir);
            Assert.True(result.ExitCode == 64, $"{string.Join(' ', args)}: {result}");
            Assert.Equal(("", "hpcrun: 'docker-daemon:app:1' is not supported: hpcrun reads no Docker daemon: " +
                "`docker save app:1 -o image.tar`, then `hpcrun build image.sif docker-archive:image.tar`\n"),
                (result.Stdout, result.Stderr));
        }
        Assert.Empty(Directory.GetFiles(dir, "*.sif"));
    }

    /// <summary>The build given works from where the user is: in / (a job's directory), which the user may not
    /// write, OUT goes beside the archive, else in the home (it was named in /, and the build failed, 80); a pull's
    /// --dir and --force (or Apptainer's variables for them) are the build's too (they were dropped, and OUT was
    /// image.sif, there or not).</summary>
    [Fact]
    public void The_build_given_writes_where_the_user_may_and_keeps_a_pulls_dir_and_force()
    {
        string name = $"u{Guid.NewGuid():N}", archive = Path.Combine(dir, $"{name}.tar");
        File.Copy(Path.Combine(TestImages.BusyboxArchives, "docker.tar"), archive);
        TestEnvironment.RunChecked("chmod", "a+r", archive);
        string Given(CommandResult result)
        {
            Assert.True(result.ExitCode == 83, result.ToString());
            return result.Stderr[(result.Stderr.IndexOf("hpcrun build", StringComparison.Ordinal))..].TrimEnd();
        }
        string home = Path.Combine(Hpcrun.UserHome, $"{name}.sif");
        Assert.Equal($"hpcrun build {home} {archive}, then run {home}", Given(Hpcrun.Run([archive], cwd: "/")));
        TestEnvironment.RunChecked("chmod", "a+rwx", dir);
        string beside = Path.Combine(dir, $"{name}.sif");
        Assert.Equal($"hpcrun build {beside} {archive}, then run {beside}", Given(Hpcrun.Run([archive], cwd: "/")));
        var build = Hpcrun.Run(["build", beside, archive], cwd: "/"); // it works as given
        Assert.True(build.ExitCode == 0, build.ToString());

        string output = Path.Combine(dir, "out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, $"{name}.sif"), "");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwx", output);
        string next = Path.Combine(output, $"{name}-2.sif");
        Assert.Equal($"hpcrun build --force {next} docker-archive:{archive}",
            Given(Hpcrun.Run(["pull", "--dir", output, "--force", $"docker-archive:{archive}"], cwd: "/")));
        Assert.Equal($"hpcrun build {next} {archive}", Given(Hpcrun.Run(["pull", archive],
            new Dictionary<string, string> { ["APPTAINER_PULLDIR"] = output }, cwd: "/")));
        Assert.Equal($"hpcrun build --force {output}/x.sif {archive}",
            Given(Hpcrun.Run(["pull", "-F", "--dir", output, "x.sif", archive], cwd: "/")));
    }

    /// <summary>doctor gives an xz or zstd file (which the launcher does not look into) and a tar that is no image
    /// archive what a launch gives them: the build to try, the tar to unpack (it said "not an image" and to give
    /// the path of an image); the build's OUT loses every compression's extension (app.txz gave app.txz.sif).
    /// </summary>
    [Fact]
    public void Doctor_gives_a_compressed_file_and_another_tar_the_launchs_advice()
    {
        TestEnvironment.RunChecked("chmod", "a+rwx", dir); // where the build given would write
        foreach (string command in new[] { "xz -c app.tar > app.tar.xz", "zstd -q -c app.tar > app.tar.zst",
                     "xz -c app.tar > app.txz" })
            TestEnvironment.RunChecked("sh", "-c", $"cd {dir} && {command}");
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
        foreach (string archive in new[] { "app.tar.xz", "app.tar.zst", "app.txz" })
        {
            string advice = "if it is a docker save archive or an OCI layout: hpcrun build app.sif " +
                $"{archive}, then run app.sif";
            var doctor = Hpcrun.Run(["doctor", archive], cwd: dir);
            Assert.True(doctor.ExitCode == 75, doctor.ToString());
            Assert.Contains($"FAIL  image: {archive}: compressed, not an image (fix: {advice})\n", doctor.Stdout);
            var launch = Hpcrun.Run([archive, "/bin/true"], cwd: dir);
            Assert.True(launch.ExitCode == 65, launch.ToString());
            Assert.Equal($"hpcrun: {archive}: compressed, not an image ({advice})\n", launch.Stderr);
        }
        var tar = Hpcrun.Run(["doctor", "rootfs.tar"], cwd: dir);
        Assert.True(tar.ExitCode == 75, tar.ToString());
        Assert.Contains("FAIL  image: rootfs.tar: a tar archive that is neither a docker save archive nor an OCI " +
            "layout, which hpcrun build reads, nor an image, which is a directory, a SquashFS or a SIF (fix: a root " +
            "file system's tar: unpack it into a directory)\n", tar.Stdout);
    }
}
