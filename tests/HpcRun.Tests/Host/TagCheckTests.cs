using HpcRun.Host;

namespace HpcRun.Tests.Host;

/// <summary>The launcher's reading of a registry's answer to its HEAD request and of a reference's registry.</summary>
public class TagCheckTests
{
    private const string Digest = "sha256:59be1d52d2bf919bdf152660ddf01f795e44aa7552687cb24ed83cdccd946a76";

    [Fact]
    public void The_digest_header_is_found_in_any_case_with_the_status()
    {
        Assert.Equal((200, Digest), TagCheck.Parse(
            $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ndocker-content-digest:  {Digest} \r\nX: y"));
        Assert.Equal((401, null), TagCheck.Parse("HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=x"));
    }

    [Fact]
    public void What_is_not_an_http_answer_or_a_sha256_digest_is_not_taken()
    {
        Assert.Equal((0, null), TagCheck.Parse($"SSH-2.0-OpenSSH\r\nDocker-Content-Digest: {Digest}"));
        Assert.Equal((0, null), TagCheck.Parse("HTTP/1.1 abc OK"));
        Assert.Equal((200, null), TagCheck.Parse("HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha512:abc"));
        Assert.Equal((200, null),
            TagCheck.Parse($"HTTP/1.1 200 OK\r\nDocker-Content-Digest: {Digest.ToUpperInvariant()}"));
    }

    [Theory]
    [InlineData("registry.example.org", "registry.example.org", null)]
    [InlineData("127.0.0.1:5000", "127.0.0.1", 5000)]
    [InlineData("[::1]:5000", "::1", 5000)]
    [InlineData("[fe80::1]", "fe80::1", null)]
    public void Host_and_port_are_split_as_the_reference_names_them(string registry, string host, int? port) =>
        Assert.Equal((host, port), TagCheck.HostAndPort(registry));
}
