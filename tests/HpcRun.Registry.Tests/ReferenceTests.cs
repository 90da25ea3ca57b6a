using HpcRun.Image.Registry;

namespace HpcRun.Registry.Tests;

/// <summary>References resolved as `docker pull` resolves them; challenges and docker's config read as registries
/// and `docker login` write them.</summary>
public sealed class ReferenceTests
{
    [Theory]
    [InlineData("python:3.12", "docker://docker.io/library/python:3.12")]
    [InlineData("docker://python", "docker://docker.io/library/python:latest")]
    [InlineData("rootproject/root:6.32.00", "docker://docker.io/rootproject/root:6.32.00")]
    [InlineData("index.docker.io/busybox", "docker://docker.io/library/busybox:latest")]
    [InlineData("nvcr.io/nvidia/pytorch:24.05-py3", "docker://nvcr.io/nvidia/pytorch:24.05-py3")]
    [InlineData("docker://localhost/app", "docker://localhost/app:latest")]
    [InlineData("127.0.0.1:5000/group/sub/app:2.1", "docker://127.0.0.1:5000/group/sub/app:2.1")]
    [InlineData("ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "docker://ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("Docker.example.org/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "docker://Docker.example.org/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("python:3.12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "docker://docker.io/library/python:3.12@sha256:" +
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void References_are_normalized_as_docker_does(string text, string normalized) =>
        Assert.Equal(normalized, ImageReference.Parse(text).ToString());

    [Theory]
    [InlineData("docker://")]
    [InlineData("Python:3")]
    [InlineData("app:tag:again")]
    [InlineData("app@sha256:short")]
    [InlineData("host.org/app/")]
    [InlineData("app:-tag")]
    [InlineData("docker://127.0.0.1:99999/demo/app:1")]
    [InlineData("127.0.0.1:65536/demo/app")]
    [InlineData("registry.example.org:0/app")]
    [InlineData("[::1]:70000/app")]
    public void Malformed_references_are_refused(string text) =>
        Assert.Throws<FormatException>(() => ImageReference.Parse(text));

    /// <summary>Credentials typed into a reference (as into a URL) are refused, and the refusal never shows them:
    /// the line says where credentials go instead.</summary>
    [Theory]
    [InlineData("docker://alice:S3cret@127.0.0.1:5443/test/bb:1", "docker://***@127.0.0.1:5443/test/bb:1")]
    [InlineData("alice:S3cret@ghcr.io/org/app", "***@ghcr.io/org/app")]
    [InlineData("docker://S3cret@Registry.example.org/App:1", "docker://***@Registry.example.org/App:1")]
    public void Credentials_in_a_reference_are_refused_unshown(string text, string shown)
    {
        string why = Assert.Throws<FormatException>(() => ImageReference.Parse(text)).Message;
        Assert.DoesNotContain("S3cret", why);
        Assert.Equal($"'{shown}' is not an image reference: credentials do not go in one (give --creds " +
            "USER:PASSWORD, HPCRUN_DOCKER_USERNAME and HPCRUN_DOCKER_PASSWORD, or docker login's " +
            "~/.docker/config.json)", why);
    }

    /// <summary>Docker's reasons, where it has one, rather than the grammar.</summary>
    [Theory]
    [InlineData("docker://Upper/Case:1", "repository names must be lowercase")]
    [InlineData("Python:3", "repository names must be lowercase")]
    [InlineData("registry.example.org:5000/Team/App@sha256:" + Hex, "repository names must be lowercase")]
    [InlineData("app:" + Tag129, "a tag is at most 128 characters (this one has 129)")]
    [InlineData("host.org:5000/app:" + Tag129 + "@sha256:" + Hex,
        "a tag is at most 128 characters (this one has 129)")]
    [InlineData("app:-tag", "expected [docker://][HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST]")]
    [InlineData("Upper/app:-tag", "expected [docker://][HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST]")]
    public void A_malformed_reference_says_why(string text, string why) =>
        Assert.StartsWith($"'{text}' is not an image reference: {why}",
            Assert.Throws<FormatException>(() => ImageReference.Parse(text)).Message);

    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Tag129 = "t123456789012345678901234567890123456789012345678901234567890123" +
        "45678901234567890123456789012345678901234567890123456789012345678";

    [Fact]
    public void A_tag_of_128_characters_is_one() =>
        Assert.Equal(Tag129[..128], ImageReference.Parse("app:" + Tag129[..128]).Tag);

    [Theory]
    [InlineData("127.0.0.1:65535/app", "127.0.0.1:65535")]
    [InlineData("[::1]:1/app", "[::1]:1")]
    [InlineData("[::1]/app", "[::1]")]
    public void Ports_that_tcp_has_are_kept(string text, string registry) =>
        Assert.Equal(registry, ImageReference.Parse(text).Registry);

    [Fact]
    public void A_challenges_parameters_keep_quoted_commas_and_escapes()
    {
        var parameters = ChallengeParameters.Parse(
            "realm=\"https://auth.example.org/token\",service=\"registry.example.org\"," +
            "scope=\"repository:a/b:pull,push\",error=insufficient_scope,note=\"say \\\"hi\\\"\"");
        Assert.Equal("https://auth.example.org/token", parameters["realm"]);
        Assert.Equal("registry.example.org", parameters["service"]);
        Assert.Equal("repository:a/b:pull,push", parameters["scope"]);
        Assert.Equal("insufficient_scope", parameters["error"]);
        Assert.Equal("say \"hi\"", parameters["note"]);
    }

    /// <summary>An HTTPS registry's challenge that names a plain-HTTP realm would have basic credentials cross the
    /// network in clear text; another host over HTTPS is Docker Hub's own flow (auth.docker.io), and with --insecure
    /// the registry is plain HTTP itself.</summary>
    [Theory]
    [InlineData("https://registry.example.org/", "http://auth.example.org/token", false)]
    [InlineData("https://registry.example.org/", "http://registry.example.org/token", false)]
    [InlineData("https://registry.example.org/", "https://auth.example.org/token", true)]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5001/token", true)]
    [InlineData("http://127.0.0.1:5000/", "https://auth.example.org/token", true)]
    public void Credentials_go_to_a_token_service_over_https_unless_the_registry_is_plain_http(string registry,
        string realm, bool takes) =>
        Assert.Equal(takes, new TokenService(new Uri(realm), "r").TakesCredentials(new Uri(registry)));

    [Fact]
    public void Docker_config_auths_are_found_by_host_or_url_and_hidden_when_shown()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "aHViOmh1Yi1wYXNz"},
                  "registry.example.org:5000": {"username": "u", "password": "p:w"}
                }}
                """);
            Assert.Equal(new Credentials("hub", "hub-pass"), Credentials.FromDockerConfig(file, "docker.io", Unwarned));
            Assert.Equal(new Credentials("u", "p:w"),
                Credentials.FromDockerConfig(file, "registry.example.org:5000", Unwarned));
            Assert.Null(Credentials.FromDockerConfig(file, "ghcr.io", Unwarned));
            Assert.Equal("hub:<password>", Credentials.FromDockerConfig(file, "docker.io", Unwarned)!.ToString());
        }
        finally { File.Delete(file); }
    }

    private static void Unwarned(string warning) => Assert.Fail($"unexpected warning: {warning}");

    /// <summary>A config file that cannot be used counts as none, with one warning naming the file and why (as the
    /// Docker CLI's "WARNING: Error loading config file"), never what it holds.</summary>
    [Theory]
    [InlineData("{\"auths\": {", "not JSON as `docker login` writes it (line 1)")]
    [InlineData("{\"auths\": [\"s3cret\"]}", "not JSON as `docker login` writes it (line 1)")]
    [InlineData("{\"auths\": {\"x.org\": {\"auth\": \"s3cret!!\"}}}", "the auth of x.org is not base64")]
    [InlineData("{\"auths\": {\"https://x.org\": {\"auth\": \"czNjcmV0\"}}}", // "s3cret": no colon
        "the auth of https://x.org is not base64 of USER:PASSWORD")]
    [InlineData(null, "it is a directory")]
    public void A_config_file_that_cannot_be_used_is_a_warning_that_names_it(string? text, string why)
    {
        string dir = Directory.CreateTempSubdirectory().FullName, file = Path.Combine(dir, "config.json");
        try
        {
            if (text is null) Directory.CreateDirectory(file);
            else File.WriteAllText(file, text);
            var warnings = new List<string>();
            Assert.Null(Credentials.Find(null, "x.org", name => name == "DOCKER_CONFIG" ? dir : null, warnings.Add));
            string warning = Assert.Single(warnings);
            Assert.StartsWith($"cannot use the Docker config file {file}: ", warning);
            Assert.Contains(why, warning);
            Assert.EndsWith("; going on without its credentials", warning);
            Assert.DoesNotContain("s3cret", warning);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Credentials_come_from_creds_before_the_variables_and_half_a_pair_is_refused()
    {
        var environment = new Dictionary<string, string?>
        { ["HPCRUN_DOCKER_USERNAME"] = "env-user", ["HPCRUN_DOCKER_PASSWORD"] = "env-pass" };
        string? Lookup(string name) => environment.GetValueOrDefault(name);
        Assert.Equal(new Credentials("me", "a:b"), Credentials.Find("me:a:b", "x.org", Lookup, Unwarned));
        Assert.Equal(new Credentials("env-user", "env-pass"), Credentials.Find(null, "x.org", Lookup, Unwarned));
        environment.Remove("HPCRUN_DOCKER_PASSWORD");
        var e = Assert.Throws<RegistryException>(() => Credentials.Find(null, "x.org", Lookup, Unwarned));
        Assert.Equal(RegistryFault.BadReference, e.Fault);
        Assert.Throws<RegistryException>(() => Credentials.Find("nocolon", "x.org", _ => null, Unwarned));
    }

    /// <summary>A batch script written for Apptainer (or Singularity) sets its own pair; hpcrun's wins over it.
    /// </summary>
    [Fact]
    public void Apptainers_and_singularitys_variables_give_credentials_after_hpcruns()
    {
        var environment = new Dictionary<string, string?>
        {
            ["SINGULARITY_DOCKER_USERNAME"] = "s-user",
            ["SINGULARITY_DOCKER_PASSWORD"] = "s-pass",
            ["APPTAINER_DOCKER_USERNAME"] = "a-user",
            ["APPTAINER_DOCKER_PASSWORD"] = "a-pass",
        };
        string? Lookup(string name) => environment.GetValueOrDefault(name);
        Assert.Equal(new Credentials("a-user", "a-pass"), Credentials.Find(null, "x.org", Lookup, Unwarned));
        environment.Remove("APPTAINER_DOCKER_USERNAME");
        Assert.Contains("APPTAINER_DOCKER_USERNAME and APPTAINER_DOCKER_PASSWORD",
            Assert.Throws<RegistryException>(() => Credentials.Find(null, "x.org", Lookup, Unwarned)).Message);
        environment.Remove("APPTAINER_DOCKER_PASSWORD");
        Assert.Equal(new Credentials("s-user", "s-pass"), Credentials.Find(null, "x.org", Lookup, Unwarned));
        environment["HPCRUN_DOCKER_USERNAME"] = "h-user";
        environment["HPCRUN_DOCKER_PASSWORD"] = "h-pass";
        Assert.Equal(new Credentials("h-user", "h-pass"), Credentials.Find(null, "x.org", Lookup, Unwarned));
    }

    [Fact]
    public void A_reference_file_keeps_whether_the_registry_wanted_credentials_and_reads_the_older_form()
    {
        const string Digest = "sha256:59be1d52d2bf919bdf152660ddf01f795e44aa7552687cb24ed83cdccd946a76";
        var entry = new CachedReference(Digest, Digest, "docker://ghcr.io/a/b:1", "linux/amd64", Authenticated: true);
        Assert.Equal(entry, CachedReference.Parse(entry.Format()));
        Assert.EndsWith("linux/amd64\nauthenticated\n", entry.Format());
        Assert.Equal(entry with { Authenticated = false },
            CachedReference.Parse($"{Digest}\n{Digest}\ndocker://ghcr.io/a/b:1\nlinux/amd64\n"));
        Assert.Null(CachedReference.Parse($"{Digest}\n{Digest}\ndocker://ghcr.io/a/b:1\nlinux/amd64\nother\n"));
    }
}
