using HpcRun.Image;
using HpcRun.Image.Metadata;

namespace HpcRun.Build;

/// <summary>An image chosen from a build source: its layers (none for a directory, whose tree is
/// <see cref="Tree"/>), config and identity for the build record.</summary>
public sealed record ResolvedImage(string Kind, string? Digest, string? Tag, string Os, string Architecture,
    ImageConfig Config, DateTimeOffset? Created, IReadOnlyList<LayerBlob> Layers, string? Tree = null)
{
    public string Platform => $"{Os}/{Architecture}";
}

/// <summary>Which image of a multi-image source to take: a platform normalized as containerd does
/// (<see cref="PlatformName"/>), <see cref="Variant"/> "" for none.</summary>
public sealed record ImageSelector(string Os, string Architecture, string? Tag, bool PlatformGiven, string Variant = "")
{
    /// <exception cref="ArgumentException">A platform that is not one (<see cref="PlatformName.Normalize"/>).
    /// </exception>
    public static ImageSelector Parse(string? platform, string? tag)
    {
        string[] parts = PlatformName.Normalize(platform ?? "linux/amd64").Split('/');
        return new ImageSelector(parts[0], parts[1], tag, platform is not null, parts.Length == 3 ? parts[2] : "");
    }

    public string Platform => $"{Os}/{Architecture}";

    /// <summary>An image's OS and architecture, as its config or an index entry names them (another spelling of
    /// this platform's counts: x86_64 is amd64).</summary>
    public bool MatchesPlatform(string os, string architecture) => os.ToLowerInvariant() == Os
        && PlatformName.Architecture(architecture, "").Architecture == Architecture;

    /// <summary>An index entry, its variant too when one was asked for (arm's v7 is, always), as Docker picks
    /// one.</summary>
    public bool MatchesPlatform(string os, string architecture, string? variant) => MatchesPlatform(os, architecture)
        && (Variant.Length == 0 || PlatformName.Architecture(architecture, variant ?? "").Variant == Variant);
}
