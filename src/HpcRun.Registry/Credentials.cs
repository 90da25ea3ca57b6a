using System.Text;
using System.Text.Json;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

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
    /// (anonymous). A config file that cannot be used is told to <paramref name="warn"/> (one line naming the file
    /// and why, never a credential) and counts as none, as the Docker CLI's "WARNING: Error loading config file"
    /// goes on without it.</summary>
    /// <exception cref="RegistryException">A malformed --creds, or one of the two variables without the
    /// other.</exception>
    public static Credentials? Find(string? given, string registry, Func<string, string?> environment,
        Action<string> warn)
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
        return FromDockerConfig(DockerConfigPath(environment), registry, warn);
    }

    private static string? DockerConfigPath(Func<string, string?> environment) =>
        environment("DOCKER_CONFIG") is { Length: > 0 } dir ? $"{dir}/config.json"
            : environment("HOME") is { Length: > 0 } home ? $"{home}/.docker/config.json" : null;

    /// <summary>The auths entry for <paramref name="registry"/>: keyed by the host, or by a URL naming it (Docker Hub's
    /// is https://index.docker.io/v1/). An unreadable or malformed file, or a malformed auth for the registry,
    /// counts as none, told to <paramref name="warn"/>: docker's own settings must not stop an anonymous pull, but
    /// a user whose login is ignored must hear why.</summary>
    internal static Credentials? FromDockerConfig(string? path, string registry, Action<string> warn)
    {
        if (path is null || !Path.Exists(path)) return null;
        if (Directory.Exists(path)) // which .NET's read calls access denied
        {
            warn(Unusable(path, "it is a directory"));
            return null;
        }
        DockerConfigFile? config;
        try { config = JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJson.Default.DockerConfigFile); }
        catch (JsonException e)
        {
            // Its own words only: JsonException's text may quote the file, and the file holds passwords.
            warn(Unusable(path, $"not JSON as `docker login` writes it (line {e.LineNumber + 1})"));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn(Unusable(path, IoError.Describe(e)));
            return null;
        }
        foreach ((string key, DockerAuth auth) in config?.Auths ?? [])
        {
            if (HostOf(key) != registry && !(registry == ImageReferenceHub && HostOf(key) == "index.docker.io"))
                continue;
            if (auth.Username is { Length: > 0 } user && auth.Password is { } password) return new(user, password);
            if (auth.Auth is not { Length: > 0 } encoded) continue;
            if (Decode(encoded) is { } pair) return pair;
            warn(Unusable(path, $"the auth of {Shown.Address(key)} is not base64 of USER:PASSWORD"));
        }
        return null;
    }

    private static string Unusable(string path, string why) =>
        $"cannot use the Docker config file {Shown.Path(path)}: {why}; going on without its credentials";

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
