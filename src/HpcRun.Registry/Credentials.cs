using System.Text;
using System.Text.Json;

namespace HpcRun.Registry;

/// <summary>A user name and password for a registry. <see cref="ToString"/> never shows the password, so no log
/// or message can carry it.</summary>
public sealed record Credentials(string User, string Password)
{
    /// <summary>The Authorization header's value for HTTP basic authentication (RFC 7617).</summary>
    public string Basic => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));

    public override string ToString() => $"{User}:<password>";

    /// <summary>The prefixes of the USERNAME/PASSWORD variable pairs, in the order they count: hpcrun's, then
    /// Apptainer's and Singularity's, which a batch script written for them sets.</summary>
    private static readonly string[] VariablePrefixes = ["HPCRUN", "APPTAINER", "SINGULARITY"];

    /// <summary>The credentials for <paramref name="registry"/> (HOST[:PORT]), first found of: --creds USER:PASSWORD
    /// (<paramref name="given"/>), HPCRUN_DOCKER_USERNAME with HPCRUN_DOCKER_PASSWORD (else the APPTAINER_ or
    /// SINGULARITY_ pair), and the auths of
    /// <c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c> as `docker login` writes them. Null: none
    /// (anonymous).</summary>
    /// <exception cref="RegistryException">A malformed --creds, or one of the two variables without the
    /// other.</exception>
    public static Credentials? Find(string? given, string registry, Func<string, string?> environment)
    {
        if (given is not null)
            return given.IndexOf(':') is > 0 and int colon ? new(given[..colon], given[(colon + 1)..])
                : throw new RegistryException(RegistryFault.BadReference, "--creds must be USER:PASSWORD");
        foreach (string prefix in VariablePrefixes)
        {
            string? user = environment($"{prefix}_DOCKER_USERNAME");
            string? password = environment($"{prefix}_DOCKER_PASSWORD");
            if (!string.IsNullOrEmpty(user) || !string.IsNullOrEmpty(password))
                return !string.IsNullOrEmpty(user) && password is not null ? new(user, password)
                    : throw new RegistryException(RegistryFault.BadReference,
                        $"set both {prefix}_DOCKER_USERNAME and {prefix}_DOCKER_PASSWORD, or neither");
        }
        return FromDockerConfig(DockerConfigPath(environment), registry);
    }

    private static string? DockerConfigPath(Func<string, string?> environment) =>
        environment("DOCKER_CONFIG") is { Length: > 0 } dir ? $"{dir}/config.json"
            : environment("HOME") is { Length: > 0 } home ? $"{home}/.docker/config.json" : null;

    /// <summary>The auths entry for <paramref name="registry"/>: keyed by the host, or by a URL naming it (Docker Hub's
    /// is https://index.docker.io/v1/). An unreadable or malformed file counts as none: docker's own
    /// settings must not stop an anonymous pull.</summary>
    internal static Credentials? FromDockerConfig(string? path, string registry)
    {
        if (path is null || !File.Exists(path)) return null;
        DockerConfigFile? config;
        try { config = JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJson.Default.DockerConfigFile); }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException) { return null; }
        foreach ((string key, DockerAuth auth) in config?.Auths ?? [])
        {
            if (HostOf(key) != registry && !(registry == ImageReferenceHub && HostOf(key) == "index.docker.io"))
                continue;
            if (auth.Username is { Length: > 0 } user && auth.Password is { } password) return new(user, password);
            if (auth.Auth is { Length: > 0 } encoded && Decode(encoded) is { } pair) return pair;
        }
        return null;
    }

    private const string ImageReferenceHub = HpcRun.Image.Registry.ImageReference.DockerHub;

    private static string HostOf(string key)
    {
        int scheme = key.IndexOf("://", StringComparison.Ordinal);
        string host = scheme < 0 ? key : key[(scheme + 3)..];
        return host.Split('/')[0];
    }

    private static Credentials? Decode(string encoded)
    {
        try
        {
            string pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            return pair.IndexOf(':') is > 0 and int colon ? new(pair[..colon], pair[(colon + 1)..]) : null;
        }
        catch (FormatException) { return null; }
    }
}
