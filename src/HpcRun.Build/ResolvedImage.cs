using HpcRun.Image.Metadata;

namespace HpcRun.Build;

/// <summary>An image chosen from a build source: its layers (none for a directory, whose tree is
/// <see cref="Tree"/>), config and identity for the build record.</summary>
public sealed record ResolvedImage(string Kind, string? Digest, string? Tag, string Os, string Architecture,
    ImageConfig Config, DateTimeOffset? Created, IReadOnlyList<LayerBlob> Layers, string? Tree = null)
{
    public string Platform => $"{Os}/{Architecture}";
}

/// <summary>Which image of a multi-image source to take.</summary>
public sealed record ImageSelector(string Os, string Architecture, string? Tag, bool PlatformGiven)
{
    public static ImageSelector Parse(string? platform, string? tag)
    {
        string[] parts = (platform ?? "linux/amd64").Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
            throw new ArgumentException($"bad platform '{platform}': expected OS/ARCH, e.g. linux/amd64");
        return new ImageSelector(parts[0], parts[1], tag, platform is not null);
    }

    public string Platform => $"{Os}/{Architecture}";

    public bool MatchesPlatform(string os, string architecture) => os == Os && architecture == Architecture;
}
