using System.Text.RegularExpressions;
using HpcRun.Image.Text;

namespace HpcRun.Image.Registry;

/// <summary>
/// An image in a registry, as `docker pull` names it (distribution/reference's grammar): [docker://][HOST[:PORT]/]
/// PATH[:TAG][@sha256:HEX]. A name whose first component has no '.' or ':' and is not "localhost" is on Docker Hub
/// (docker.io), and a one-component Docker Hub name is under library/: `python:3.12` is
/// docker.io/library/python:3.12. No tag and no digest means the tag "latest".
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary>The scheme of a reference on hpcrun's command line.</summary>
    public const string Scheme = "docker://";

    public const string DockerHub = "docker.io";

    /// <summary>Whether <paramref name="image"/> (an image argument of hpcrun run) names a registry's image.</summary>
    public static bool IsReference(string image) => image.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Parses <paramref name="text"/>, with or without <see cref="Scheme"/>.</summary>
    /// <exception cref="FormatException">One line saying what is wrong.</exception>
    public static ImageReference Parse(string text)
    {
        string body = IsReference(text) ? text[Scheme.Length..] : text;
        if (Shown.UserInfoEnd(text) > 0)
            throw new FormatException($"'{Shown.Address(text)}' is not an image reference: credentials do not go " +
                "in one (give --creds USER:PASSWORD, HPCRUN_DOCKER_USERNAME and HPCRUN_DOCKER_PASSWORD, or " +
                "docker login's ~/.docker/config.json)");
        Match m = Grammar().Match(body);
        if (!m.Success)
            throw new FormatException($"'{Shown.Address(text)}' is not an image reference: {WhyNot(body)}");
        string name = m.Groups["name"].Value;
        string? tag = m.Groups["tag"].Success ? m.Groups["tag"].Value : null;
        string? digest = m.Groups["digest"].Success ? m.Groups["digest"].Value : null;
        int slash = name.IndexOf('/');
        string first = slash < 0 ? "" : name[..slash];
        bool hasHost = slash > 0 && (first.Contains('.') || first.Contains(':') || first == "localhost");
        string registry = hasHost ? first : DockerHub, repository = hasHost ? name[(slash + 1)..] : name;
        int colon = registry.LastIndexOf(':');
        if (hasHost && colon > registry.LastIndexOf(']') && int.Parse(registry[(colon + 1)..]) is < 1 or > 65535)
            throw new FormatException($"'{Shown.Address(text)}' is not an image reference: port " +
                $"{registry[(colon + 1)..]} is not a TCP port (1 to 65535)");
        if (registry is DockerHub or "index.docker.io" && !repository.Contains('/'))
            repository = "library/" + repository;
        if (registry == "index.docker.io") registry = DockerHub;
        if (!Path().IsMatch(repository))
            throw new FormatException($"'{Shown.Address(text)}': bad repository name '{Shown.Excerpt(repository)}' " +
                "(lower-case letters, digits, and . _ - between them)");
        return new ImageReference(registry, repository, tag ?? (digest is null ? "latest" : null), digest);
    }

    /// <summary>Why <paramref name="body"/> does not parse, in Docker's words where it has them
    /// (distribution/reference: ErrNameContainsUppercase, a tag's 128 characters), else the grammar.</summary>
    private static string WhyNot(string body)
    {
        int at = body.IndexOf('@');
        string rest = at < 0 ? body : body[..at], digest = at < 0 ? "" : body[at..];
        int colon = rest.LastIndexOf(':');
        bool tagged = colon > rest.LastIndexOf('/');
        string name = tagged ? rest[..colon] : rest, tag = tagged ? rest[(colon + 1)..] : "";
        if (tag.Length > MaxTag && Grammar().IsMatch($"{name}:{tag[..MaxTag]}{digest}"))
            return $"a tag is at most {MaxTag} characters (this one has {tag.Length})";
        if (Grammar().IsMatch(name.ToLowerInvariant() + (tagged ? ":" + tag : "") + digest))
            return "repository names must be lowercase";
        return "expected [docker://][HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST], e.g. docker://python:3.12";
    }

    /// <summary>The longest tag (distribution-spec: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}).</summary>
    private const int MaxTag = 128;

    /// <summary>What the registry's manifest endpoint takes: the digest when there is one, else the tag.</summary>
    public string ManifestKey => Digest ?? Tag!;

    /// <summary>The full, normalized reference, e.g. docker://docker.io/library/python:3.12.</summary>
    public override string ToString() =>
        $"{Scheme}{Registry}/{Repository}{(Tag is null ? "" : ":" + Tag)}{(Digest is null ? "" : "@" + Digest)}";

    // Host (name or [IPv6]) with an optional port, path components, tag, digest (sha256 only: what registries serve).
    [GeneratedRegex(@"^(?<name>(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*" +
        @"[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*" +
        @"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?" +
        @"(?:@(?<digest>sha256:[0-9a-f]{64}))?$")]
    private static partial Regex Grammar();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex Path();
}
