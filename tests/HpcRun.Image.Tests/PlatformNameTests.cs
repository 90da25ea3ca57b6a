namespace HpcRun.Image.Tests;

/// <summary>Platforms read as containerd's platforms.Parse and Normalize read them (Docker's --platform), and the
/// parts of a manifest that are not an image for a platform told apart as containerd tells them.</summary>
public sealed class PlatformNameTests
{
    [Theory]
    [InlineData("linux/amd64", "linux/amd64")]
    [InlineData("LINUX/AMD64", "linux/amd64")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("linux/x86-64", "linux/amd64")]
    [InlineData("linux/amd64/v1", "linux/amd64")]
    [InlineData("linux/amd64/v3", "linux/amd64/v3")]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("linux/arm64/8", "linux/arm64")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("linux/arm/7", "linux/arm/v7")]
    [InlineData("linux/arm/6", "linux/arm/v6")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("linux/armel", "linux/arm/v6")]
    [InlineData("linux/i386", "linux/386")]
    [InlineData("arm64", "linux/arm64")]
    [InlineData("aarch64", "linux/arm64")]
    [InlineData("s390x", "linux/s390x")]
    [InlineData("macos/arm64", "darwin/arm64")]
    public void A_platform_is_normalized_as_containerd_does(string text, string normalized) =>
        Assert.Equal(normalized, PlatformName.Normalize(text));

    [Fact]
    public void A_lone_os_is_the_hosts_architecture() =>
        Assert.Equal(HostPlatform.Name, PlatformName.Normalize("Linux"));

    [Theory]
    [InlineData("")]
    [InlineData("linux/")]
    [InlineData("linux/amd64/v2/x")]
    [InlineData("linux/amd 64")]
    [InlineData("nonsense")]
    public void What_is_not_a_platform_is_refused(string text) =>
        Assert.StartsWith($"bad platform '{text}'",
            Assert.Throws<ArgumentException>(() => PlatformName.Normalize(text)).Message);

    [Theory]
    [InlineData("application/vnd.oci.image.layer.v1.tar")]
    [InlineData("application/vnd.oci.image.layer.v1.tar+gzip")]
    [InlineData("application/vnd.oci.image.layer.v1.tar+zstd")]
    [InlineData("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")]
    [InlineData("application/vnd.docker.image.rootfs.diff.tar.gzip")]
    [InlineData("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")]
    [InlineData(null)]
    public void Image_layers_are_taken(string? mediaType) =>
        Assert.Null(OciMediaTypes.LayerRefusal(mediaType, "sha256:m", "layer 1/1"));

    [Theory]
    [InlineData("application/vnd.example.unknown")]
    [InlineData("application/vnd.in-toto+json")]
    [InlineData("application/vnd.oci.image.config.v1+json")]
    public void What_is_not_a_layer_is_refused_by_its_media_type(string mediaType) =>
        Assert.Equal($"manifest sha256:m: the layer 2/3 is of media type {mediaType}, not an image layer (OCI's " +
            "application/vnd.oci.image.layer.v1.tar[+gzip|+zstd] or Docker's rootfs.diff.tar.gzip)",
            OciMediaTypes.LayerRefusal(mediaType, "sha256:m", "layer 2/3"));

    [Theory]
    [InlineData("unknown", "unknown", null, true)]
    [InlineData("linux", "amd64", "attestation-manifest", true)]
    [InlineData("linux", "amd64", null, false)]
    [InlineData("unknown", "amd64", null, false)]
    public void Attestations_are_told_from_images(string os, string architecture, string? type, bool attestation) =>
        Assert.Equal(attestation, OciMediaTypes.IsAttestation(os, architecture, type));
}
