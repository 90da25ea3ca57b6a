using HpcRun.Host;

namespace HpcRun.Tests.Host;

/// <summary>The launcher's reading of a registry's name and of a digest.</summary>
public class TagCheckTests
{
    private const string Digest = "sha256:59be1d52d2bf919bdf152660ddf01f795e44aa7552687cb24ed83cdccd946a76";

    [Fact]
    public void A_sha256_digest_in_lower_case_hex_is_taken() => Assert.Equal(Digest, TagCheck.ValidDigest(Digest));

    [Theory]
    [InlineData(null)]
    [InlineData("sha512:abc")]
    [InlineData("SHA256:59be1d52d2bf919bdf152660ddf01f795e44aa7552687cb24ed83cdccd946a76")]
    [InlineData("sha256:59BE1D52D2BF919BDF152660DDF01F795E44AA7552687CB24ED83CDCCD946A76")]
    [InlineData("sha256:59be1d52d2bf919bdf152660ddf01f795e44aa7552687cb24ed83cdccd946a7")]
    [InlineData("sha256:59be1d52d2bf919bdf152660ddf01f795e44aa7552687cb24ed83cdccd946a7g")]
    public void What_is_not_a_sha256_digest_is_not_taken(string? header) => Assert.Null(TagCheck.ValidDigest(header));

    [Theory]
    [InlineData("registry.example.org", "registry.example.org", null)]
    [InlineData("registry.example.org:5000", "registry.example.org", "5000")]
    [InlineData("127.0.0.1:443", "127.0.0.1", "443")]
    [InlineData("[::1]:5000", "::1", "5000")]
    [InlineData("[fe80::1]", "fe80::1", null)]
    public void A_registry_splits_into_host_and_port(string registry, string host, string? port) =>
        Assert.Equal((host, port), TagCheck.SplitHostPort(registry));
}
