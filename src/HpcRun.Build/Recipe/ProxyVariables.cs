namespace HpcRun.Build.Recipe;

/// <summary>
/// The proxy settings a RUN (or %post) gets without the recipe asking for them: Docker's predefined ARGs
/// (Dockerfile reference, "Predefined ARGs": HTTP_PROXY, HTTPS_PROXY, FTP_PROXY, NO_PROXY, ALL_PROXY and their
/// lower-case forms). Their values come from hpcrun's own environment, as buildah and podman pass them (a site's
/// proxy reaches `apt-get` with no recipe change), and a --build-arg of the same name beats that. As in Docker they
/// stay out of the build cache's keys unless the recipe declares them (ARG), and out of the image: they often hold
/// credentials, and a proxy belongs to the site that builds, not to the image.
/// </summary>
public static class ProxyVariables
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(
        ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
            "ALL_PROXY", "all_proxy"],
        StringComparer.Ordinal);

    /// <summary>The proxy entries for a build: those of <paramref name="environment"/> (hpcrun's), then those of
    /// <paramref name="buildArgs"/>, which win; other names are left out.</summary>
    public static IReadOnlyDictionary<string, string> From(Func<string, string?> environment,
        IReadOnlyDictionary<string, string> buildArgs)
    {
        var proxies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in Names)
            if ((buildArgs.TryGetValue(name, out string? given) ? given : environment(name)) is { } value)
                proxies[name] = value;
        return proxies;
    }

    /// <summary>A command's environment: <paramref name="environment"/> (the stage's), then each of
    /// <paramref name="proxies"/> that it does not set itself.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Add(
        IReadOnlyList<KeyValuePair<string, string>> environment, IReadOnlyDictionary<string, string> proxies) =>
        [.. environment, .. proxies.Where(p => environment.All(e => e.Key != p.Key))];
}
