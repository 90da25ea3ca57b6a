namespace HpcRun.Registry;

/// <summary>How a pull talks to registries: <see cref="Timeout"/> bounds connecting, each answer's headers and
/// each wait for more of a body; <see cref="Insecure"/> (--insecure, HPCRUN_INSECURE=1) speaks plain HTTP to the
/// registry the user named; <see cref="Mirror"/> (HPCRUN_REGISTRY_MIRROR, an http(s) URL) serves Docker Hub's
/// images instead of registry-1.docker.io; <see cref="Trace"/> hears one line per request (method, URL without
/// its query, status), never a header, and a line of a resumed blob or of a build stopped before the downloads'
/// verdict.</summary>
public sealed record RegistrySettings(Credentials? Credentials, TimeSpan Timeout, bool Insecure = false,
    string? Mirror = null, Action<string>? Trace = null)
{
    /// <summary>The registry's base URL for <paramref name="registry"/> (HOST[:PORT]).</summary>
    public Uri BaseUri(string registry)
    {
        if (registry == Image.Registry.ImageReference.DockerHub)
            return new Uri(Mirror is { Length: > 0 } mirror ? mirror.TrimEnd('/') + "/"
                : "https://registry-1.docker.io/");
        return new Uri($"{(Insecure ? "http" : "https")}://{registry}/");
    }
}
