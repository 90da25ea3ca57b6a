using System.Text.RegularExpressions;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>`hpcrun pull` against real docker-registry instances, as the unprivileged test user.</summary>
[Collection(RegistryCollection.Name)]
public sealed class PullTests(RegistryFixture registry) : IDisposable
{
    private readonly string dir = WritableDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private static readonly Dictionary<string, string> Insecure = new() { ["HPCRUN_INSECURE"] = "1" };

    private CommandResult Pull(string output, string reference, Dictionary<string, string>? env = null,
        params string[] more) => Hpcrun.Run(["pull", .. more, Path.Combine(dir, output), reference], env ?? Insecure);

    [Fact]
    public void A_pulled_sif_runs_with_its_layers_whiteouts_and_config_and_names_its_source()
    {
        var pull = Pull("app.sif", registry.PlainRef("test/app:1"));
        Assert.True(pull.ExitCode == 0, pull.ToString());
        string sif = Path.Combine(dir, "app.sif");
        var run = Hpcrun.Run(sif, "/bin/sh", "-c", "cat /data/kept; test -e /data/gone || echo whited out; " +
            "echo \"$GREETING\"; pwd");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("kept\nwhited out\nhello from the registry\n", run.Stdout.Replace(Hpcrun.UserHome + "\n", ""));
        Assert.Equal("kept\n", Hpcrun.Run(sif).Stdout); // the image's Cmd
        string inspect = Hpcrun.Run("inspect", sif).Stdout;
        Assert.Contains("org.example.team=physics", inspect);
        Assert.Matches($@"Built from:   registry docker://{Regex.Escape(registry.Plain.Host)}/test/app:1 " +
            "sha256:[0-9a-f]{64} for linux/amd64", inspect);
        Assert.Equal([Path.Combine(dir, "app.sif")], Directory.GetFileSystemEntries(dir)); // no scratch left
        // Executable, as Apptainer writes a SIF (0755 less the umask, here 022's).
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(sif));
    }

    /// <summary>OUT named *.sqfs is a bare SquashFS with the config and build record inside, for pull and for build
    /// from a docker:// source (also with --sqfs), the same bytes; it runs as the SIF does.</summary>
    [Fact]
    public void An_out_named_sqfs_is_a_bare_squashfs_that_runs()
    {
        var pull = Pull("app.sqfs", registry.PlainRef("test/app:1"));
        Assert.True(pull.ExitCode == 0, pull.ToString());
        string sqfs = Path.Combine(dir, "app.sqfs"), built = Path.Combine(dir, "built");
        Assert.True(File.ReadAllBytes(sqfs).AsSpan(0, 4).SequenceEqual("hsqs"u8));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(sqfs)); // no run-singularity line to run
        Assert.Equal("kept\n", Hpcrun.Run(sqfs).Stdout); // the image's Cmd, from /.hpcrun/config.json
        var build = Hpcrun.Run(["build", "--sqfs", built, registry.PlainRef("test/app:1")], Insecure);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(File.ReadAllBytes(sqfs), File.ReadAllBytes(built));
        // the build record, which a SIF keeps as an object, is inside (/.hpcrun/build.json), and inspect reads it
        Assert.Matches($@"Built from:   registry docker://{Regex.Escape(registry.Plain.Host)}/test/app:1 " +
            "sha256:[0-9a-f]{64} for linux/amd64", Hpcrun.Run("inspect", sqfs).Stdout);
    }

    [Fact]
    public void The_same_manifest_gives_the_same_bytes_and_the_file_system_hpcrun_build_makes_from_it()
    {
        Assert.Equal(0, Pull("one.sif", registry.PlainRef("test/app:1")).ExitCode);
        Assert.Equal(0, Pull("two.sif", registry.PlainRef("test/app:1")).ExitCode);
        byte[] one = File.ReadAllBytes(Path.Combine(dir, "one.sif"));
        Assert.Equal(one, File.ReadAllBytes(Path.Combine(dir, "two.sif")));
        string built = Path.Combine(dir, "built.sif");
        TestEnvironment.RunChecked("skopeo", "copy", "--quiet", "--src-tls-verify=false",
            $"docker://{registry.Plain.Host}/test/app:1", $"oci:{dir}/copied:app");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", dir);
        var build = Hpcrun.Run("build", built, Path.Combine(dir, "copied"));
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(Partition(one), Partition(File.ReadAllBytes(built)));
        // Apptainer's `build OUT docker://REF` is the pull.
        var fromReference = Hpcrun.Run(["build", Path.Combine(dir, "three.sif"), registry.PlainRef("test/app:1")],
            Insecure);
        Assert.True(fromReference.ExitCode == 0, fromReference.ToString());
        Assert.Equal(one, File.ReadAllBytes(Path.Combine(dir, "three.sif")));
    }

    [Fact]
    public void An_index_gives_the_hosts_platform_or_the_one_asked_for_and_lists_them_when_none_fits()
    {
        Assert.Equal(0, Pull("amd.sif", registry.PlainRef("test/multi:1")).ExitCode);
        Assert.Contains("Architecture: amd64", Hpcrun.Run("inspect", Path.Combine(dir, "amd.sif")).Stdout);
        var arm = Pull("arm.sif", registry.PlainRef("test/multi:1"), null, "--platform", "linux/arm64");
        Assert.True(arm.ExitCode == 0, arm.ToString());
        Assert.Contains("Architecture: arm64", Hpcrun.Run("inspect", Path.Combine(dir, "arm.sif")).Stdout);
        // Other spellings, as containerd reads them: case, aliases, arm64's default variant, a lone architecture.
        foreach (string spelling in new[] { "LINUX/ARM64", "linux/aarch64", "linux/arm64/v8", "arm64" })
        {
            var same = Pull("arm.sif", registry.PlainRef("test/multi:1"), null, "--platform", spelling, "--force");
            Assert.True(same.ExitCode == 0, same.ToString());
        }
        var none = Pull("s390x.sif", registry.PlainRef("test/multi:1"), null, "--platform", "linux/s390x");
        Assert.Equal(106, none.ExitCode);
        Assert.Contains("(it has: linux/amd64, linux/arm64)", none.Stderr);
        var armOnly = Pull("armonly.sif", registry.PlainRef("test/armonly:1"));
        Assert.Equal(106, armOnly.ExitCode);
        Assert.EndsWith("(it has: linux/arm64); choose one with --platform", armOnly.Stderr.Trim());
        Assert.False(File.Exists(Path.Combine(dir, "armonly.sif")));
    }

    [Fact]
    public void Basic_auth_over_tls_takes_credentials_from_creds_variables_or_docker_config_and_never_shows_them()
    {
        string reference = $"docker://{registry.Secure.Host}/private/app:1";
        var trusted = new Dictionary<string, string> { ["SSL_CERT_FILE"] = registry.CaFile };
        var anonymous = Pull("anon.sif", reference, trusted);
        Assert.Equal(103, anonymous.ExitCode);
        Assert.Contains("wants credentials", anonymous.Stderr);

        var variables = new Dictionary<string, string>(trusted)
        { ["HPCRUN_DOCKER_USERNAME"] = RegistryFixture.User, ["HPCRUN_DOCKER_PASSWORD"] = RegistryFixture.Password };
        var viaVariables = Pull("vars.sif", reference, variables, "--debug");
        Assert.True(viaVariables.ExitCode == 0, viaVariables.ToString());

        var viaFlag = Pull("flag.sif", reference, trusted, "--creds",
            $"{RegistryFixture.User}:{RegistryFixture.Password}");
        Assert.True(viaFlag.ExitCode == 0, viaFlag.ToString());

        string docker = Path.Combine(dir, "docker");
        Directory.CreateDirectory(docker);
        string auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{RegistryFixture.User}:{RegistryFixture.Password}"));
        File.WriteAllText(Path.Combine(docker, "config.json"),
            "{\"auths\": {\"https://" + registry.Secure.Host + "\": {\"auth\": \"" + auth + "\"}}}");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", dir);
        var viaConfig = Pull("config.sif", reference, new(trusted) { ["DOCKER_CONFIG"] = docker });
        Assert.True(viaConfig.ExitCode == 0, viaConfig.ToString());

        var wrong = Pull("wrong.sif", reference, trusted, "--creds", $"{RegistryFixture.User}:not-the-password");
        Assert.Equal(103, wrong.ExitCode);
        Assert.Contains("rejected the credentials", wrong.Stderr);
        foreach (CommandResult result in new[] { anonymous, viaVariables, viaFlag, viaConfig, wrong })
        {
            Assert.DoesNotContain(RegistryFixture.Password, result.ToString());
            Assert.DoesNotContain(auth, result.ToString());
        }
        byte[] sif = File.ReadAllBytes(Path.Combine(dir, "vars.sif"));
        Assert.Equal(-1, Find(sif, System.Text.Encoding.UTF8.GetBytes(RegistryFixture.Password)));
    }

    /// <summary>A Docker config file that cannot be read or is not JSON is a warning naming it, and the pull goes
    /// on without it (here to the registry's 401).</summary>
    [Theory]
    [InlineData("{\"auths\": {", "0644", "not JSON as `docker login` writes it (line 1)")]
    [InlineData("{\"auths\": {}}", "0000", "permission denied")]
    public void A_docker_config_that_cannot_be_used_is_a_warning(string text, string mode, string why)
    {
        string docker = Path.Combine(dir, "docker"), config = Path.Combine(docker, "config.json");
        Directory.CreateDirectory(docker);
        File.WriteAllText(config, text);
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", dir);
        TestEnvironment.RunChecked("chmod", mode, config);
        var pull = Pull("x.sif", $"docker://{registry.Secure.Host}/private/app:1",
            new() { ["SSL_CERT_FILE"] = registry.CaFile, ["DOCKER_CONFIG"] = docker });
        Assert.Equal(103, pull.ExitCode);
        Assert.Contains($"warning: cannot use the Docker config file {config}: {why}; going on without its " +
            "credentials\n", pull.Stderr);
        Assert.Contains("wants credentials", pull.Stderr);
    }

    [Fact]
    public void A_registry_that_wants_bearer_tokens_gets_one_anonymously_from_its_realm()
    {
        int tokens = registry.Issuer.Requests;
        var pull = Pull("public.sif", $"docker://{registry.Tokens.Host}/public/app:1");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.True(registry.Issuer.Requests > tokens);
        Assert.Equal("kept\n", Hpcrun.Run(Path.Combine(dir, "public.sif")).Stdout);
    }

    /// <summary>--insecure to a registry that speaks HTTPS: Go's 400 "Client sent an HTTP request to an HTTPS
    /// server" is said as what it means.</summary>
    [Fact]
    public void Plain_http_to_a_tls_registry_says_it_speaks_https()
    {
        var pull = Pull("x.sif", $"docker://{registry.Secure.Host}/private/app:1", [], "--insecure");
        Assert.Equal(105, pull.ExitCode);
        Assert.Contains("the registry speaks HTTPS: leave out --insecure", pull.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void A_tls_registry_whose_certificate_is_not_trusted_is_unreachable()
    {
        var pull = Pull("x.sif", $"docker://{registry.Secure.Host}/private/app:1", []);
        Assert.Equal(101, pull.ExitCode);
        Assert.Contains("TLS handshake failed", pull.Stderr);
    }

    [Theory]
    [InlineData("docker://Upper/Case:1", 100)]
    [InlineData("docker://127.0.0.1:1/nothing:here", 101)]
    [InlineData("docker://127.0.0.1:99999/nothing:here", 100)]
    public void Bad_references_and_a_registry_that_is_down_are_one_line_each(string reference, int status)
    {
        var pull = Pull("x.sif", reference);
        Assert.Equal(status, pull.ExitCode);
        Assert.Single(pull.Stderr.Trim().Split('\n'));
        Assert.StartsWith("hpcrun: ", pull.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>HPCRUN_REGISTRY_MIRROR serves Docker Hub's names (docker://test/app:1 is docker.io/test/app:1, here
    /// from the plain registry); a value that is not an http(s) URL is one line and 64, with nothing asked.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:5000")]
    [InlineData("ftp://mirror.example.org")]
    [InlineData("http://[bad")]
    [InlineData("http://127.0.0.1:99999")]
    public void A_mirror_serves_docker_hub_names_and_a_bad_one_is_a_usage_error(string mirror)
    {
        string value = mirror.Length == 0 ? $"http://{registry.Plain.Host}" : mirror;
        var pull = Pull("x.sif", "docker://test/app:1", new() { ["HPCRUN_REGISTRY_MIRROR"] = value });
        if (mirror.Length == 0)
        {
            Assert.True(pull.ExitCode == 0, pull.ToString());
            Assert.Equal("kept\n", Hpcrun.Run(Path.Combine(dir, "x.sif")).Stdout);
            return;
        }
        Assert.Equal((64, $"hpcrun: HPCRUN_REGISTRY_MIRROR={value}: not an http(s) URL: give the mirror's URL, " +
            "e.g. https://mirror.example.org\n"), (pull.ExitCode, pull.Stderr));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>`build OUT docker://REF` is the pull: its faults have the pull's statuses and lines.</summary>
    [Theory]
    [InlineData("docker://127.0.0.1:1/nothing:here", 101)]
    [InlineData("test/app:no-such-tag", 104)]
    [InlineData("docker://Upper/Case:1", 100)]
    public void A_build_from_a_reference_fails_as_the_pull_does(string reference, int status)
    {
        if (!reference.Contains("://")) reference = registry.PlainRef(reference);
        var build = Hpcrun.Run(["build", Path.Combine(dir, "x.sif"), reference], Insecure);
        Assert.True(build.ExitCode == status, build.ToString());
        Assert.Single(build.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("internal error", build.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>OUT and REF swapped (Apptainer's order is OUT first) is a usage error naming the right order, not a
    /// pull of OUT's name from Docker Hub.</summary>
    [Theory]
    [InlineData("docker://127.0.0.1:1/app:1", "out.sif", "hpcrun pull [OPTIONS] out.sif docker://127.0.0.1:1/app:1")]
    [InlineData("docker://127.0.0.1:1/app:1", "docker://x/y:1",
        "hpcrun pull [OPTIONS] OUT.sif docker://127.0.0.1:1/app:1")]
    public void Swapped_arguments_are_a_usage_error_that_shows_the_order(string first, string second, string usage)
    {
        var pull = Hpcrun.Run(["pull", first, second], Insecure, cwd: dir);
        Assert.Equal(64, pull.ExitCode);
        Assert.Equal($"hpcrun: pull takes OUT before the reference: {usage}\n", pull.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>A bare name is the registry's, as `docker pull` and Apptainer read it, also where an image archive
    /// of that name lies in the current directory: a warning says which was pulled and gives the build of the
    /// other, into another file than the pull writes (it named x.sif, the pull's OUT). It was refused (83) with the
    /// build alone. A path that is no reference (./NAME) is still the archive's.</summary>
    [Fact]
    public void A_bare_name_is_the_registrys_also_beside_an_archive_of_that_name()
    {
        string name = $"{registry.Plain.Host}/test/app:1", archive = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        File.Copy(Path.Combine(TestImages.BusyboxArchives, "docker.tar"), archive);
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", dir);
        var pull = Hpcrun.Run(["pull", "x.sif", name], Insecure, cwd: dir);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.StartsWith($"hpcrun: warning: {name}: pulling docker://{name}, as docker pull reads a name; the image " +
            $"archive or OCI layout {name} here is built with: hpcrun build app:1.sif {name}\n", pull.Stderr);
        Assert.Equal("kept\n", Hpcrun.Run(Path.Combine(dir, "x.sif"), "/bin/cat", "/data/kept").Stdout);

        var local = Hpcrun.Run(["pull", "y.sif", "./" + name], Insecure, cwd: dir);
        Assert.True(local.ExitCode == 83, local.ToString());
        Assert.Equal($"hpcrun: ./{name}: pull fetches from registries; an archive or OCI layout is built: hpcrun " +
            $"build y.sif ./{name}\n", local.Stderr);
    }

    /// <summary>Apptainer's --dir: the default name (or OUT) is written in DIR, not in the current directory.</summary>
    [Fact]
    public void Dir_writes_the_default_name_there()
    {
        var pull = Hpcrun.Run(["pull", "--dir", dir, registry.PlainRef("test/app:1")], Insecure);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.EndsWith($"hpcrun: wrote {Path.Combine(dir, "app_1.sif")}\n", pull.Stderr);
        Assert.True(File.Exists(Path.Combine(dir, "app_1.sif")));
    }

    [Fact]
    public void A_missing_tag_is_404_and_an_existing_out_needs_force()
    {
        var missing = Pull("x.sif", registry.PlainRef("test/app:no-such-tag"));
        Assert.Equal(104, missing.ExitCode);
        File.WriteAllText(Path.Combine(dir, "x.sif"), "mine");
        TestEnvironment.RunChecked("chmod", "a+rw", Path.Combine(dir, "x.sif"));
        var exists = Pull("x.sif", registry.PlainRef("test/app:1"));
        Assert.Equal(80, exists.ExitCode);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "x.sif")));
        Assert.Equal(0, Pull("x.sif", registry.PlainRef("test/app:1"), null, "--force").ExitCode);
    }

    [Fact]
    public void A_blob_that_does_not_match_its_digest_or_is_truncated_leaves_nothing()
    {
        using var own = new RegistryServer(Path.Combine(dir, "own-registry"));
        TestEnvironment.RunChecked("skopeo", "copy", "--quiet", "--dest-tls-verify=false",
            $"oci:{registry.Layout}:app", $"docker://{own.Host}/test/app:1");
        string[] layers = Directory.GetFiles(Path.Combine(own.Dir, "data"), "data", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length > 100_000).ToArray();
        string layer = Assert.Single(layers);
        byte[] bytes = File.ReadAllBytes(layer);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(layer, bytes);
        var mismatch = Pull("x.sif", $"docker://{own.Host}/test/app:1");
        Assert.Equal(107, mismatch.ExitCode);
        Assert.Contains("does not match its digest", mismatch.Stderr);
        File.WriteAllBytes(layer, bytes[..(bytes.Length / 2)]);
        var truncated = Pull("x.sif", $"docker://{own.Host}/test/app:1");
        Assert.Equal(107, truncated.ExitCode);
        Assert.Equal([own.Dir], Directory.GetFileSystemEntries(dir));
    }

    /// <summary>A manifest changed in the registry's storage: by tag it does not match the Docker-Content-Digest the
    /// registry gives (the tag's), and that is said, not a fault of a manifest whose digest exists nowhere.</summary>
    [Fact]
    public void A_manifest_by_tag_that_does_not_match_the_registrys_digest_is_refused()
    {
        using var own = new RegistryServer(Path.Combine(dir, "own-registry"));
        TestEnvironment.RunChecked("skopeo", "copy", "--quiet", "--dest-tls-verify=false",
            $"oci:{registry.Layout}:app", $"docker://{own.Host}/test/app:1");
        foreach (string manifest in Directory.GetFiles(Path.Combine(own.Dir, "data"), "data",
                     SearchOption.AllDirectories)
                     .Where(f => new FileInfo(f).Length < 100_000 && File.ReadAllText(f).Contains("\"layers\"")))
            File.WriteAllText(manifest,
                File.ReadAllText(manifest).Replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));
        var pull = Pull("x.sif", $"docker://{own.Host}/test/app:1");
        Assert.Equal(107, pull.ExitCode);
        Assert.Contains($"{own.Host}/test/app: the manifest for tag 1 does not match the digest the registry gave " +
            "(sha256:", pull.Stderr);
        Assert.Equal([own.Dir], Directory.GetFileSystemEntries(dir));
    }

    /// <summary>A pull and a build of a reference (hpcrun's writer or mksquashfs) alike, as a build of a directory
    /// (FullDiskTests): 108, one line naming OUT.</summary>
    [Theory]
    [InlineData("pull")]
    [InlineData("build")]
    [InlineData("build", "--mksquashfs-args", "-comp xz")]
    public void A_full_disk_is_status_108_with_nothing_left(string verb, params string[] args)
    {
        string small = Path.Combine(dir, "small");
        Directory.CreateDirectory(small);
        TestEnvironment.RunChecked("mount", "-t", "tmpfs", "-o", "size=256k,mode=0777", "tmpfs", small);
        try
        {
            string image = Path.Combine(small, "x.sif");
            var pull = Hpcrun.Run([verb, .. args, image, registry.PlainRef("test/app:1")], Insecure);
            Assert.Equal(108, pull.ExitCode);
            Assert.Equal($"hpcrun: cannot write {image}: no space left on device", Assert.Single(
                pull.Stderr.Trim().Split('\n'), l => !l.EndsWith("...") && !l.EndsWith("done")));
            Assert.Empty(Directory.GetFileSystemEntries(small));
        }
        finally { TestEnvironment.RunChecked("umount", small); }
    }

    private static byte[] Partition(byte[] sif)
    {
        // SIF descriptors at 4096, 585 bytes each; the first is the PrimSys partition: offset at 17, size at 25.
        long offset = BitConverter.ToInt64(sif, 4096 + 17), size = BitConverter.ToInt64(sif, 4096 + 25);
        return sif[(int)offset..(int)(offset + size)];
    }

    private static int Find(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle);

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"pull-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }
}

/// <summary>Registries that refuse, fail, stall or die mid-blob: one line, a distinct status, nothing left.</summary>
[Collection(RegistryCollection.Name)]
public sealed class PullFaultTests(RegistryFixture registry) : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"pull-faults-{Guid.NewGuid():N}");

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private CommandResult PullFrom(FaultServer server, Dictionary<string, string>? env = null)
    {
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        return Hpcrun.Run(["pull", Path.Combine(dir, "x.sif"), $"docker://{server.Host}/test/app:1"],
            new Dictionary<string, string>(env ?? []) { ["HPCRUN_INSECURE"] = "1" });
    }

    [Theory]
    [InlineData(403, 103, "denied (403)")]
    [InlineData(429, 105, "too many requests (429)")]
    [InlineData(500, 105, "the registry failed (500)")]
    public void A_refusing_or_failing_registry_is_one_line_and_its_status(int answer, int status, string words)
    {
        using var server = new FaultServer(FaultServer.Mode.Status, answer);
        var pull = PullFrom(server);
        Assert.Equal(status, pull.ExitCode);
        Assert.Single(pull.Stderr.Trim().Split('\n'));
        Assert.Contains(words, pull.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void A_registry_that_never_answers_times_out()
    {
        using var server = new FaultServer(FaultServer.Mode.Silent);
        var pull = PullFrom(server, new() { ["HPCRUN_REGISTRY_TIMEOUT"] = "1" });
        Assert.Equal(102, pull.ExitCode);
        Assert.Contains("no answer for the manifest for tag 1 within 1 s", pull.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>A registry that dies mid-blob cannot be reached for the resumptions: 101, saying so, not 107 (what
    /// a stream that ends early while the registry answers is).</summary>
    [Fact]
    public void A_registry_killed_mid_blob_is_unreachable_and_leaves_nothing()
    {
        using var server = new FaultServer(FaultServer.Mode.KilledMidBlob, upstream: registry.Plain.Host);
        string host = server.Host; // the killed server's listener no longer has its port
        var pull = PullFrom(server);
        Assert.Equal(101, pull.ExitCode);
        Assert.Contains("broke off at ", pull.Stderr);
        Assert.Contains($"bytes, and resuming it failed: cannot reach {host}: the connection was refused", pull.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>A 429 or 503 whose Retry-After asks for longer than the registry timeout is not retried, and the
    /// message says what it asked; one that asks for a wait within it is retried.</summary>
    [Theory]
    [InlineData(429, "100", 1, "too many requests (429), and it asked to wait 100 s, longer than hpcrun waits for " +
        "it (5 s, HPCRUN_REGISTRY_TIMEOUT)")]
    [InlineData(503, "100", 1, "the registry failed (503), and it asked to wait 100 s")]
    [InlineData(429, "Fri, 01 Jan 2100 00:00:00 GMT", 1, "too many requests (429), and it asked to wait")]
    [InlineData(429, "1", 4, "too many requests (429), still after 3 retries")]
    public void Retry_after_is_honoured_within_the_timeout(int answer, string after, int requests, string words)
    {
        using var server = new FaultServer(FaultServer.Mode.Status, answer, headers: $"Retry-After: {after}\r\n");
        var pull = PullFrom(server, new() { ["HPCRUN_REGISTRY_TIMEOUT"] = "5" });
        Assert.Equal(105, pull.ExitCode);
        Assert.Contains(words, pull.Stderr);
        Assert.Equal(requests, server.Requests);
    }

    /// <summary>A blob the registry redirects to storage that refuses it (a signed URL expired, storage that wants
    /// its own credentials) is said as the storage's answer, naming the blob and where it was sent, with the status
    /// the registry's same answer has: not the registry wanting credentials, nor a missing image.</summary>
    [Theory]
    [InlineData(401, 103, "the storage it was redirected to ({0}) refused it: 401 Unauthorized")]
    [InlineData(403, 103, "the storage it was redirected to ({0}) refused it: 403 Forbidden")]
    [InlineData(404, 104, "the storage it was redirected to ({0}) does not have it: 404 Not Found")]
    public void A_redirected_blob_that_storage_refuses_says_so(int answer, int status, string words)
    {
        using var server = new FaultServer(FaultServer.Mode.RedirectedBlobs, answer, upstream: registry.Plain.Host);
        var pull = PullFrom(server);
        Assert.Equal(status, pull.ExitCode);
        string[] lines = pull.Stderr.TrimEnd().Split('\n');
        Assert.Matches($@"^hpcrun: {Regex.Escape(server.Host)}/test/app: blob sha256:[0-9a-f]{{64}}: " +
            Regex.Escape(string.Format(words, server.Storage)) + "$", lines[^1]);
        Assert.All(lines[..^1], l => Assert.EndsWith("...", l)); // before it, progress only
        Assert.DoesNotContain("sig=", pull.Stderr); // a signed URL's query is a secret
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }
}
