using HpcRun.Image;
using HpcRun.Image.Registry;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>`hpcrun docker://REF CMD` through the cache, and `hpcrun cache list|clean`, counting the requests the
/// real registry logs.</summary>
[Collection(RegistryCollection.Name)]
public sealed class DockerRunTests(RegistryFixture registry) : IDisposable
{
    private readonly string cache = CacheDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", cache);

    private Dictionary<string, string> Env => new() { ["HPCRUN_INSECURE"] = "1", ["HPCRUN_CACHEDIR"] = cache };

    private CommandResult Run(params string[] args) => Hpcrun.Run(args, Env);

    [Fact]
    public void A_tag_is_pulled_once_then_checked_with_one_manifest_request_or_none_offline()
    {
        string reference = registry.PlainRef("test/multi:1");
        int blobs = registry.Plain.Requests("/v2/test/multi/blobs/");
        var first = Run(reference, "/bin/cat", "/data/kept");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("kept\n", first.Stdout);
        int blobsAfterPull = registry.Plain.Requests("/v2/test/multi/blobs/");
        Assert.True(blobsAfterPull > blobs);

        int manifests = registry.Plain.Requests("/v2/test/multi/manifests/");
        var second = Run("exec", reference, "/bin/cat", "/data/kept");
        Assert.Equal("kept\n", second.Stdout);
        Assert.Equal(manifests + 1, registry.Plain.Requests("/v2/test/multi/manifests/"));
        Assert.Equal(blobsAfterPull, registry.Plain.Requests("/v2/test/multi/blobs/"));

        var offline = Run("--offline", reference, "/bin/cat", "/data/kept");
        Assert.Equal("kept\n", offline.Stdout);
        var viaVariable = Hpcrun.Run([reference, "/bin/true"],
            new Dictionary<string, string>(Env) { ["HPCRUN_OFFLINE"] = "1" });
        Assert.Equal(0, viaVariable.ExitCode);
        Assert.Equal(manifests + 1, registry.Plain.Requests("/v2/test/multi/manifests/"));

        var notCached = Run("--offline", registry.PlainRef("test/app:never-pulled"), "/bin/true");
        Assert.Equal(109, notCached.ExitCode);
        Assert.Contains("not in the image cache", notCached.Stderr);
        Assert.Contains("and --offline forbids pulling it", notCached.Stderr);
        var notCachedByVariable = Hpcrun.Run([registry.PlainRef("test/app:never-pulled"), "/bin/true"],
            new Dictionary<string, string>(Env) { ["HPCRUN_OFFLINE"] = "1" });
        Assert.Equal(109, notCachedByVariable.ExitCode);
        Assert.Contains("and HPCRUN_OFFLINE forbids pulling it", notCachedByVariable.Stderr);
    }

    [Fact]
    public void A_tag_that_moved_runs_its_new_image()
    {
        string reference = registry.PlainRef("test/moving:1");
        Push("app", "test/moving:1");
        var first = Run(reference, "/bin/sh", "-c", "echo \"$GREETING\"");
        Assert.Equal("hello from the registry\n", first.Stdout);
        Assert.Contains("hpcrun: downloading", first.Stderr);
        Push("moved", "test/moving:1");
        int manifests = registry.Plain.Requests("/v2/test/moving/manifests/");
        var moved = Run("-q", reference, "/bin/sh", "-c", "echo \"$GREETING\"");
        Assert.True(moved.ExitCode == 0, moved.ToString());
        Assert.Equal("moved\n", moved.Stdout);
        Assert.Empty(moved.Stderr); // -q: the pull hpcrun-tools made for the launch says nothing either
        // The launcher's GET saw the new digest; hpcrun-tools then got the manifest without asking again.
        Assert.Equal(manifests + 2, registry.Plain.Requests("/v2/test/moving/manifests/"));
        Assert.Contains("2 image(s)", Run("cache", "list").Stdout);
    }

    /// <summary>A warm launch from a TLS registry: the launcher's own check (one GET) verifies the registry's
    /// certificate against SSL_CERT_FILE's CA and its address; a registry it cannot verify is refused as a cold pull
    /// refuses it (101), and the cached image does not run.</summary>
    [Fact]
    public void A_warm_tls_launch_asks_once_and_an_untrusted_or_misnamed_certificate_is_refused()
    {
        string reference = $"docker://{registry.Tls.Host}/tls/app:1";
        var trusted = new Dictionary<string, string>
        { ["HPCRUN_CACHEDIR"] = cache, ["SSL_CERT_FILE"] = registry.CaFile };
        var cold = Hpcrun.Run([reference], trusted);
        Assert.True(cold.ExitCode == 0, cold.ToString());
        int manifests = registry.Tls.Requests("/v2/tls/app/manifests/");
        var warm = Hpcrun.Run(["--debug", reference], trusted);
        Assert.Equal("kept\n", warm.Stdout);
        Assert.Contains($"tag check: GET https://{registry.Tls.Host}/v2/tls/app/manifests/1 -> 200", warm.Stderr);
        Assert.Equal(manifests + 1, registry.Tls.Requests("/v2/tls/app/manifests/"));

        // The session that warm launch kept is not offered under other roots: they verify the registry anew.
        string otherCa = Path.Combine(cache, "other-ca.crt");
        TestEnvironment.RunChecked("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            "/CN=another CA", "-keyout", Path.Combine(cache, "other-ca.key"), "-out", otherCa);
        var untrusted = Hpcrun.Run(["--debug", reference], new Dictionary<string, string>(trusted)
        { ["SSL_CERT_FILE"] = otherCa });
        AssertRefusedUnverified(untrusted);

        // The cached image under a name its certificate (for IP 127.0.0.1) does not carry.
        string misnamed = CacheAs(reference, $"docker://localhost:{registry.Tls.Port}/tls/app:1");
        AssertRefusedUnverified(Hpcrun.Run(["--debug", misnamed], trusted));
    }

    /// <summary>The launcher keeps the TLS session of a full handshake in the cache, private to the user, and the
    /// next warm launch resumes it (no certificate to verify); a damaged session file costs one full handshake,
    /// whose session replaces it; `cache clean` takes the sessions with the images.</summary>
    [Fact]
    public void A_warm_tls_launch_resumes_the_session_the_last_one_kept()
    {
        string reference = $"docker://{registry.Tls.Host}/tls/app:1";
        var trusted = new Dictionary<string, string>
        { ["HPCRUN_CACHEDIR"] = cache, ["SSL_CERT_FILE"] = registry.CaFile };
        var cold = Hpcrun.Run([reference], trusted);
        Assert.True(cold.ExitCode == 0, cold.ToString());
        string answered = $"tag check: GET https://{registry.Tls.Host}/v2/tls/app/manifests/1 -> 200";
        string tls = Path.Combine(cache, "tls");
        void Launch(bool resumed)
        {
            int manifests = registry.Tls.Requests("/v2/tls/app/manifests/");
            var warm = Hpcrun.Run(["--debug", reference], trusted);
            Assert.True(warm.ExitCode == 0, warm.ToString());
            Assert.Equal("kept\n", warm.Stdout);
            Assert.Contains(resumed ? $"{answered} (TLS session resumed)\n" : $"{answered}\n", warm.Stderr);
            Assert.Equal(manifests + 1, registry.Tls.Requests("/v2/tls/app/manifests/"));
        }

        Launch(resumed: false);
        string session = Assert.Single(Directory.GetFiles(tls));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(session));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(tls));
        byte[] kept = File.ReadAllBytes(session);
        Launch(resumed: true);
        Assert.Equal(kept, File.ReadAllBytes(session)); // a resumed session is kept as it is

        byte[] damaged = [.. kept.Take(kept.Length / 2)];
        File.WriteAllBytes(session, damaged);
        Launch(resumed: false);
        Assert.NotEqual(damaged, File.ReadAllBytes(session));
        Launch(resumed: true);
        Assert.Single(Directory.GetFiles(tls)); // no temporary file left beside it

        var clean = Run("cache", "clean", "-f");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Empty(Directory.GetFiles(tls));
    }

    /// <summary>inspect and run-help take a docker:// reference as the launch verbs do, from the cache and without a
    /// request; one the cache lacks is 109 with the pull to make, not "image not found".</summary>
    [Fact]
    public void Inspect_and_run_help_read_a_cached_reference_without_asking_the_registry()
    {
        string reference = registry.PlainRef("test/multi:1");
        var first = Run(reference, "/bin/true");
        Assert.True(first.ExitCode == 0, first.ToString());
        int manifests = registry.Plain.Requests("/v2/test/multi/manifests/");
        var inspect = Run("inspect", "--json", reference);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("\"Format\"", inspect.Stdout, StringComparison.OrdinalIgnoreCase);
        var help = Run("run-help", reference);
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Equal("No help sections were defined for this image\n", help.Stdout);
        Assert.Equal(manifests, registry.Plain.Requests("/v2/test/multi/manifests/"));

        string missing = registry.PlainRef("test/never:1");
        foreach (string verb in new[] { "inspect", "run-help" })
        {
            var absent = Run(verb, missing);
            Assert.Equal(109, absent.ExitCode);
            Assert.Equal($"hpcrun: {missing} is not in the image cache ({cache}): pull it first " +
                $"(hpcrun pull --cache {missing})\n", absent.Stderr);
        }
    }

    /// <summary>bench takes a docker:// reference as inspect does: its cached SIF, found without a request, is what
    /// every round runs; one the cache lacks is 109 with the pull that caches it (bench said "image not found").
    /// </summary>
    [Fact]
    public void Bench_runs_the_cached_image_of_a_reference_and_names_the_pull_of_one_the_cache_lacks()
    {
        string missing = registry.PlainRef("test/never:1");
        var absent = Run("bench", missing, "--rounds", "3", "--only", "startup");
        Assert.True(absent.ExitCode == 109, absent.ToString());
        Assert.Equal($"hpcrun: {missing} is not in the image cache ({cache}): pull it first " +
            $"(hpcrun pull --cache {missing})\n", absent.Stderr);

        string reference = registry.PlainRef("test/multi:1");
        Assert.Equal(0, Run("pull", "--cache", reference).ExitCode);
        int requests = registry.Plain.Requests("/v2/test/multi/");
        var bench = Run("bench", reference, "--rounds", "3", "--only", "startup", "--json");
        Assert.True(bench.ExitCode == 0, bench.ToString());
        string sif = Assert.Single(Directory.GetFiles(Path.Combine(cache, "sif"), "*.sif"));
        Assert.Contains($"\"image\": \"{sif}\"", bench.Stdout);
        Assert.Equal(requests, registry.Plain.Requests("/v2/test/multi/"));
    }

    /// <summary>`hpcrun doctor docker://REF` checks the image the cache holds for REF, found without a request, after
    /// the cache a launch uses; one the cache lacks is a warning (exit 0: a launch pulls it first) with the command
    /// that caches it, and a failure (75) where the launch would refuse to pull it (HPCRUN_OFFLINE: 109).</summary>
    [Fact]
    public void Doctor_checks_the_cached_image_of_a_reference_and_names_the_pull_of_one_the_cache_lacks()
    {
        string reference = registry.PlainRef("test/app:1");
        var missing = Run("doctor", reference);
        Assert.True(missing.ExitCode == 0, missing.ToString());
        Assert.Contains($"OK    image cache: {cache}, where docker:// images are pulled and run from\n",
            missing.Stdout);
        Assert.Contains($"WARN  cached image: {reference} is not in the image cache ({cache}), so it was not " +
            $"checked; a launch pulls it first (fix: hpcrun pull --cache {reference}, then run doctor again)\n",
            missing.Stdout);
        Assert.DoesNotContain("  image: ", missing.Stdout);
        var offlineEnv = new Dictionary<string, string>(Env) { ["HPCRUN_OFFLINE"] = "1" };
        var offline = Hpcrun.Run(["doctor", reference], offlineEnv);
        Assert.Equal(75, offline.ExitCode);
        Assert.Contains($"FAIL  cached image: {reference} is not in the image cache ({cache}) and HPCRUN_OFFLINE " +
            "forbids pulling it: a launch of it stops (status 109) (fix: hpcrun pull --cache " +
            $"{reference} where the registry can be reached)\n", offline.Stdout);
        Assert.Equal(109, Hpcrun.Run([reference], offlineEnv).ExitCode); // what doctor said a launch does
        Assert.Equal("kept\n", Run(reference).Stdout);
        int requests = registry.Plain.Requests("/v2/test/app/");
        var cached = Run("doctor", reference);
        string sif = Assert.Single(Directory.GetFiles(Path.Combine(cache, "sif"), "*.sif"));
        Assert.Contains($"OK    cached image: {reference} is cached: {sif}\n", cached.Stdout);
        Assert.Contains("OK    image: SIF image runs here", cached.Stdout);
        Assert.Equal(requests, registry.Plain.Requests("/v2/test/app/"));
    }

    /// <summary>Roots named under the host's /tmp (SSL_CERT_FILE, a hashed SSL_CERT_DIR in a list) verify the
    /// launcher's own check, though the launch covers its view of /tmp with its staging tmpfs before the check reads
    /// them: before, the check found no roots there and every warm launch handed the check to hpcrun-tools.</summary>
    [Fact]
    public void Roots_named_under_the_hosts_tmp_verify_the_launchers_own_check()
    {
        string reference = $"docker://{registry.Tls.Host}/tls/app:1";
        var cold = Hpcrun.Run([reference], new Dictionary<string, string>
        { ["HPCRUN_CACHEDIR"] = cache, ["SSL_CERT_FILE"] = registry.CaFile });
        Assert.True(cold.ExitCode == 0, cold.ToString());
        string roots = Directory.CreateTempSubdirectory("hpcrun-roots-").FullName, hashed = Path.Combine(roots, "dir");
        try
        {
            Directory.CreateDirectory(hashed);
            File.Copy(registry.CaFile, Path.Combine(roots, "ca.crt"));
            File.Copy(registry.CaFile, Path.Combine(hashed, "ca.crt"));
            TestEnvironment.RunChecked("openssl", "rehash", hashed);
            TestEnvironment.RunChecked("chmod", "-R", "a+rX", roots);
            foreach ((string name, string value) in new[]
                     { ("SSL_CERT_FILE", Path.Combine(roots, "ca.crt")), ("SSL_CERT_DIR", $"/nonexistent:{hashed}") })
            {
                var warm = Hpcrun.Run(["--debug", reference], new Dictionary<string, string>
                { ["HPCRUN_CACHEDIR"] = cache, [name] = value });
                Assert.Equal("kept\n", warm.Stdout);
                Assert.Contains($"tag check: GET https://{registry.Tls.Host}/v2/tls/app/manifests/1 -> 200",
                    warm.Stderr);
            }
        }
        finally { Directory.Delete(roots, recursive: true); }
    }

    /// <summary>A cached tag whose registry cannot be reached (it takes the request and never answers; then nothing
    /// listens there):
    /// the launcher's one attempt decides, hpcrun-tools does not wait for the same silence again, and the cached
    /// image runs with one warning.</summary>
    [Fact]
    public void A_cached_tag_whose_registry_is_unreachable_runs_the_cached_image_after_one_attempt_and_a_warning()
    {
        string cached = registry.PlainRef("test/app:1");
        Assert.Equal("kept\n", Run(cached).Stdout);
        var env = new Dictionary<string, string>(Env) { ["HPCRUN_REGISTRY_TIMEOUT"] = "1" };
        string host, reference;
        using (var silent = new FaultServer(FaultServer.Mode.Silent))
        {
            host = silent.Host;
            reference = CacheAs(cached, $"docker://{host}/test/app:1");
            var slow = Hpcrun.Run([reference], env);
            Assert.True(slow.ExitCode == 0, slow.ToString());
            Assert.Equal("kept\n", slow.Stdout);
            Assert.Equal(1, silent.Unanswered);
            string warning = Assert.Single(slow.Stderr.Trim().Split('\n'));
            Assert.StartsWith($"hpcrun: warning: registry {host} not reached (no answer within 1 s", warning);
            Assert.Contains($"running {reference} as cached", warning);
        }

        var down = Hpcrun.Run([reference, "/bin/cat", "/data/kept"], env);
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal("kept\n", down.Stdout);
        Assert.Contains("no connection: refused or unreachable", Assert.Single(down.Stderr.Trim().Split('\n')));

        var notCached = Hpcrun.Run([$"docker://{host}/test/other:1"], env);
        Assert.Equal(101, notCached.ExitCode);
        Assert.Single(notCached.Stderr.Trim().Split('\n'));
    }

    /// <summary>A tag cached from a plain-HTTP registry (HPCRUN_INSECURE=1), launched without it: the registry
    /// answers the launcher's TLS handshake in plain HTTP, which is an answer, not an outage, so the cached image does
    /// not run unchecked; the launch fails as a pull would (101, saying HPCRUN_INSECURE).</summary>
    [Fact]
    public void A_cached_tag_of_a_plain_http_registry_without_insecure_fails_as_a_pull_does()
    {
        string reference = registry.PlainRef("test/app:1");
        Assert.Equal("kept\n", Run(reference).Stdout);
        var plain = Hpcrun.Run([reference, "/bin/cat", "/data/kept"],
            new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = cache });
        Assert.Equal(101, plain.ExitCode);
        Assert.Empty(plain.Stdout);
        Assert.Contains("HPCRUN_INSECURE", plain.Stderr);
        Assert.DoesNotContain("as cached", plain.Stderr);
    }

    /// <summary>Without HOME (`srun --export=NONE`), the launcher and the tools find the image cache in the
    /// account's home (its passwd entry's), as Apptainer does, where they said "no image cache" (108).</summary>
    [Fact]
    public void Without_home_the_image_cache_is_in_the_accounts_home()
    {
        var noHome = new Dictionary<string, string> { ["HOME"] = "" };
        var offline = Hpcrun.Run(["--offline", registry.PlainRef("test/app:never-pulled"), "/bin/true"], noHome);
        Assert.Equal(109, offline.ExitCode);
        Assert.Contains("not in the image cache", offline.Stderr);
        var list = Hpcrun.Run(["cache", "list"], noHome);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains($"in {Hpcrun.UserHome}/.cache/hpcrun\n", list.Stdout);
    }

    /// <summary>A cached SIF that was damaged (truncated) is one line that says so and what to do (65), online and
    /// --offline alike; `hpcrun cache clean` then lets the next launch pull it again.</summary>
    [Fact]
    public void A_damaged_cached_image_says_so_and_cache_clean_lets_it_be_pulled_again()
    {
        string reference = registry.PlainRef("test/app:1");
        Assert.Equal("kept\n", Run(reference).Stdout);
        string sif = Assert.Single(Directory.GetFiles(Path.Combine(cache, "sif"), "*.sif"));
        TestEnvironment.RunChecked("truncate", "-s", "500000", sif);
        foreach (string[] args in new[] { new[] { reference }, ["--offline", reference] })
        {
            var damaged = Run(args);
            Assert.Equal(65, damaged.ExitCode);
            string line = Assert.Single(damaged.Stderr.Trim().Split('\n'));
            Assert.EndsWith("the image cache's copy is damaged: `hpcrun cache clean` removes it, and the next launch " +
                "pulls it again", line);
        }
        Assert.Equal(0, Run("cache", "clean", "-f").ExitCode);
        Assert.Equal("kept\n", Run(reference).Stdout);
    }

    /// <summary>A cached tag whose registry's name does not resolve: the launcher's one lookup decides, as for a
    /// registry that does not answer.</summary>
    [Fact]
    public void A_cached_tag_whose_registry_name_does_not_resolve_runs_the_cached_image_with_a_warning()
    {
        string cached = registry.PlainRef("test/app:1");
        Assert.Equal("kept\n", Run(cached).Stdout);
        string reference = CacheAs(cached, "docker://registry.hpcrun-test.invalid:5000/test/app:1");
        var launch = Hpcrun.Run([reference], Env);
        Assert.True(launch.ExitCode == 0, launch.ToString());
        Assert.Equal("kept\n", launch.Stdout);
        string warning = Assert.Single(launch.Stderr.Trim().Split('\n'));
        Assert.Contains("registry registry.hpcrun-test.invalid:5000 not reached (its host name does not resolve)",
            warning);
    }

    /// <summary>A cached tag the launcher leaves to hpcrun-tools (here because a proxy is set), whose registry is
    /// not reached: hpcrun-tools runs the cached image with its warning, as the launcher would.</summary>
    [Fact]
    public void A_cached_tag_checked_by_hpcrun_tools_runs_the_cached_image_when_the_registry_is_not_reached()
    {
        string cached = registry.PlainRef("test/app:1");
        Assert.Equal("kept\n", Run(cached).Stdout);
        string closed;
        using (var gone = new FaultServer(FaultServer.Mode.Silent)) closed = gone.Host;
        string reference = CacheAs(cached, $"docker://{closed}/test/app:1");
        var down = Hpcrun.Run(["--debug", reference], new Dictionary<string, string>(Env)
        { ["http_proxy"] = $"http://{closed}", ["HPCRUN_REGISTRY_TIMEOUT"] = "1" });
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal("kept\n", down.Stdout);
        Assert.DoesNotContain("tag check", down.Stderr);
        Assert.Contains($"hpcrun: warning: cannot reach {closed}", down.Stderr);
        Assert.Contains($"running {reference} as cached", down.Stderr);
    }

    /// <summary>A registry that answers the launcher's check with 401 (the image was cached anonymously, the
    /// registry now wants credentials): hpcrun-tools asks and fails as a pull does, and the cached image does not
    /// run. --debug's line of the check says so in words (it named the outcome's C# name, "Other").</summary>
    [Fact]
    public void A_cached_tag_whose_registry_now_wants_credentials_fails_as_a_pull_does()
    {
        string cached = registry.PlainRef("test/app:1");
        Assert.Equal("kept\n", Run(cached).Stdout);
        string reference = CacheAs(cached, $"docker://{registry.Secure.Host}/private/app:1");
        int manifests = registry.Secure.Requests("/v2/private/app/manifests/");
        var env = new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = cache, ["SSL_CERT_FILE"] = registry.CaFile };
        var refused = Hpcrun.Run([reference], env);
        Assert.Equal(103, refused.ExitCode);
        Assert.Empty(refused.Stdout);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        // the launcher's GET, then the pull
        Assert.True(registry.Secure.Requests("/v2/private/app/manifests/") >= manifests + 2);
        var traced = Hpcrun.Run(["--debug", reference], env);
        Assert.Contains(" -> no answer it could use (not 200, a redirect, a TLS error), hpcrun-tools asks\n",
            traced.Stderr);
        Assert.DoesNotContain("Other", traced.Stderr);
    }

    /// <summary>Makes the cache hold <paramref name="cached"/>'s image under <paramref name="alias"/> too, as if it
    /// had been pulled (anonymously) by that name; returns the alias.</summary>
    private string CacheAs(string cached, string alias)
    {
        var store = new ImageCache(cache);
        var aliased = ImageReference.Parse(alias);
        CachedReference pulled = ImageCache.ReadReference(
            store.ReferencePath(ImageReference.Parse(cached), HostPlatform.Name))!;
        File.WriteAllText(store.ReferencePath(aliased, HostPlatform.Name),
            (pulled with { Reference = aliased.ToString(), Authenticated = false }).Format());
        return alias;
    }

    /// <summary>A registry that wants credentials: the cache remembers it, and the launcher leaves the check to
    /// hpcrun-tools at once (its 401 and the retry with the credentials), instead of asking in vain first.</summary>
    [Fact]
    public void A_warm_launch_from_a_registry_that_wants_credentials_asks_only_through_hpcrun_tools()
    {
        string reference = $"docker://{registry.Secure.Host}/private/app:1";
        var env = new Dictionary<string, string>
        {
            ["HPCRUN_CACHEDIR"] = cache,
            ["SSL_CERT_FILE"] = registry.CaFile,
            ["HPCRUN_DOCKER_USERNAME"] = RegistryFixture.User,
            ["HPCRUN_DOCKER_PASSWORD"] = RegistryFixture.Password,
        };
        var cold = Hpcrun.Run([reference], env);
        Assert.True(cold.ExitCode == 0, cold.ToString());
        int manifests = registry.Secure.Requests("/v2/private/app/manifests/");
        var warm = Hpcrun.Run(["--debug", reference], env);
        Assert.Equal("kept\n", warm.Stdout);
        Assert.DoesNotContain("tag check", warm.Stderr);
        Assert.Equal(manifests + 2, registry.Secure.Requests("/v2/private/app/manifests/"));
    }

    private static void AssertRefusedUnverified(CommandResult launch)
    {
        Assert.Equal(101, launch.ExitCode);
        Assert.Empty(launch.Stdout);
        Assert.Contains("tag check: GET", launch.Stderr);
        Assert.Contains("no verified connection", launch.Stderr);
        Assert.Contains("the TLS handshake failed", launch.Stderr);
    }

    private void Push(string tag, string destination) => TestEnvironment.RunChecked("skopeo", "copy", "--quiet",
        "--dest-tls-verify=false", $"oci:{registry.Layout}:{tag}", $"docker://{registry.Plain.Host}/{destination}");

    [Fact]
    public void A_cached_digest_reference_asks_nothing_and_the_cache_lists_and_cleans_its_images()
    {
        string digest = TestEnvironment.RunChecked("skopeo", "inspect", "--tls-verify=false", "--format",
            "{{.Digest}}", $"docker://{registry.Plain.Host}/test/app:1").Trim();
        string reference = registry.PlainRef($"test/app@{digest}");
        Assert.Equal("kept\n", Run(reference).Stdout);
        int requests = registry.Plain.Requests("/v2/test/app/");
        Assert.Equal("kept\n", Run("run", reference).Stdout);
        Assert.Equal(requests, registry.Plain.Requests("/v2/test/app/"));

        string list = Run("cache", "list").Stdout;
        Assert.Contains(reference + " (linux/amd64)", list);
        Assert.Contains("1 image(s)", list);
        Assert.Contains("removed 0 image(s)", Run("cache", "clean", "-f", "--older-than", "1d").Stdout);
        Assert.Contains("removed 1 image(s)", Run("cache", "clean", "-f").Stdout);
        Assert.Contains("0 image(s)", Run("cache", "list").Stdout);
    }

    /// <summary>What a killed pull leaves in the cache (its scratch directory, the lock file of an image it never
    /// completed) is counted by list and removed by clean; a pull under way (its lock held) keeps its own.</summary>
    [Fact]
    public void Clean_removes_what_killed_pulls_left_and_keeps_a_running_ones()
    {
        string lockOfNone = new string('a', 64) + ".lock";
        var result = Hpcrun.Script("""
            C=$HPCRUN_CACHEDIR; mkdir -m 700 "$C/sif" "$C/sif/.hpcrun-pull.dead" "$C/sif/.hpcrun-pull.held"
            head -c 100000 /dev/zero > "$C/sif/.hpcrun-pull.dead/layer"; : > "$C/sif/.hpcrun-pull.dead/.lock"
            : > "$C/sif/$0"; exec 9> "$C/sif/.hpcrun-pull.held/.lock"; flock 9
            $H cache list --type image && $H cache clean -f --type image && ls -A "$C/sif"
            """, [lockOfNone], Env);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("97.7 KiB of interrupted pulls (2 leftover(s)), which cache clean removes\n", result.Stdout);
        Assert.Contains("removed 2 leftover(s) of interrupted pulls, 97.7 KiB\n", result.Stdout);
        Assert.EndsWith("\n.hpcrun-pull.held\n", result.Stdout);
    }

    /// <summary>A pull into the cache that fails (a layer that does not match its digest) or succeeds removes its
    /// image's lock file when it ends: `cache list` counted a failed pull's as a leftover of an interrupted pull. Its
    /// --debug lines say why the build stopped in hpcrun's words, never a .NET type's name ("RegistryException").
    /// </summary>
    [Fact]
    public void A_pull_that_ends_leaves_no_lock_file_and_its_debug_lines_name_no_dotnet_type()
    {
        using var own = new RegistryServer(Path.Combine(cache, "own-registry"));
        TestEnvironment.RunChecked("skopeo", "copy", "--quiet", "--dest-tls-verify=false",
            $"oci:{registry.Layout}:app", $"docker://{own.Host}/test/app:1");
        string layer = Assert.Single(Directory.GetFiles(Path.Combine(own.Dir, "data"), "data",
            SearchOption.AllDirectories), f => new FileInfo(f).Length > 100_000);
        byte[] bytes = File.ReadAllBytes(layer);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(layer, bytes);
        string reference = $"docker://{own.Host}/test/app:1", images = Path.Combine(cache, "sif");
        CommandResult failed = Run("--debug", "pull", "--cache", reference);
        Assert.True(failed.ExitCode == 107, failed.ToString());
        Assert.Contains(" DBG the build stopped (", failed.Stderr);
        Assert.DoesNotMatch(@"\w+Exception\b", failed.Stderr);
        Assert.Empty(Directory.GetFiles(images, "*.lock"));
        Assert.DoesNotContain("leftover", Run("cache", "list").Stdout);

        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(layer, bytes);
        CommandResult pulled = Run("pull", "--cache", reference);
        Assert.True(pulled.ExitCode == 0, pulled.ToString());
        Assert.Equal([".sif"], Directory.GetFileSystemEntries(images).Select(Path.GetExtension));
    }

    /// <summary>Pulled by tag on a login node, run by digest on compute nodes without the registry: the index's
    /// digest and the image manifest's both find the image the tag brought.</summary>
    [Fact]
    public void A_digest_reference_runs_from_the_image_its_tag_pulled_without_a_request()
    {
        Assert.Equal(0, Run(registry.PlainRef("test/multi:1"), "/bin/true").ExitCode);
        CachedReference pulled =
            ImageCache.ReadReference(Assert.Single(Directory.GetFiles(Path.Combine(cache, "refs"))))!;
        Assert.NotEqual(pulled.ManifestDigest, pulled.AnsweredDigest); // a multi-platform index: two digests
        int requests = registry.Plain.Requests("/v2/test/multi/");
        foreach (string digest in (string[])[pulled.AnsweredDigest, pulled.ManifestDigest])
        {
            string reference = registry.PlainRef($"test/multi@{digest}");
            foreach (string[] offline in (string[][])[["--offline"], []])
            {
                var result = Run([.. offline, reference, "/bin/cat", "/data/kept"]);
                Assert.True(result.ExitCode == 0, result.ToString());
                Assert.Equal("kept\n", result.Stdout);
            }
        }
        Assert.Equal(requests, registry.Plain.Requests("/v2/test/multi/"));
    }

    [Fact]
    public void A_failed_pull_is_the_pulls_one_line_and_status_with_nothing_in_the_cache()
    {
        var missing = Run(registry.PlainRef("test/app:missing"), "/bin/true");
        Assert.Equal(104, missing.ExitCode);
        Assert.Single(missing.Stderr.Trim().Split('\n'));
        Assert.Empty(Directory.GetFiles(cache, "*.sif", SearchOption.AllDirectories));
        var bad = Run("docker://No Such/Ref", "/bin/true");
        Assert.Equal(100, bad.ExitCode);
    }

    /// <summary>A site's cache-dir (no HPCRUN_CACHEDIR) is the cache of both the launch and the cache verb, which
    /// only the launcher reads the site configuration for: the user's folder in it (SiteCacheTests).</summary>
    [Fact]
    public void The_sites_cache_dir_is_where_docker_references_and_the_cache_verb_look()
    {
        string config = Path.Combine(cache, "hpcrun.conf");
        Directory.CreateDirectory(Path.Combine(cache, "site"));
        File.SetUnixFileMode(Path.Combine(cache, "site"), (UnixFileMode)0b1_111_111_111);
        File.WriteAllText(config, $"cache-dir = {cache}/site\n");
        var env = new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1", ["HPCRUN_CONFIG"] = config };
        string reference = registry.PlainRef("test/multi:1");
        var run = Hpcrun.Run([reference, "/bin/cat", "/data/kept"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(cache, "site", "1500", "sif"), "*.sif"));
        Assert.Contains(reference + " (linux/amd64)", Hpcrun.Run(["cache", "list"], env).Stdout);
        Assert.Contains("removed 1 image(s)", Hpcrun.Run(["cache", "clean", "-f"], env).Stdout);
    }

    /// <summary>A fresh image cache the test user can write.</summary>
    internal static string CacheDir() =>
        TestEnvironment.UsersOwnDirectory(Path.Combine(TestImages.Dir, $"cache-{Guid.NewGuid():N}"));
}
