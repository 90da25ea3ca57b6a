using System.Text;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using Serilog;

namespace HpcRun.Host;

/// <summary>
/// What a tag names now, asked by the launcher itself with one HEAD request for the manifest (distribution-spec,
/// "Checking if content exists in the registry": the Docker-Content-Digest header), so that a warm
/// `hpcrun docker://REF` starts no other program and loads no trust store whole (<see cref="RegistryConnection"/>).
/// Only the plain case is answered: a registry that answers 200 with a digest, anonymously, without a proxy.
/// Anything else (a challenge for credentials, a redirect, an error, a proxy, Docker Hub, whose every request needs
/// a token) is null, and hpcrun-tools asks instead, which knows every case and says what went wrong.
/// </summary>
internal static class TagCheck
{
    private const int MaxHeaders = 64 << 10;

    private static readonly string[] ProxyVariables =
        ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];

    /// <summary>The digest ("sha256:HEX") <paramref name="reference"/>'s tag answers with, or null when this
    /// cannot tell. HPCRUN_INSECURE=1 speaks plain HTTP, HPCRUN_REGISTRY_TIMEOUT bounds each wait, as for
    /// hpcrun-tools pull.</summary>
    public static string? CurrentDigest(ImageReference reference, IReadOnlyDictionary<string, string> environment)
    {
        if (reference.Registry == ImageReference.DockerHub || reference.Tag is null
            || ProxyVariables.Any(v => environment.GetValueOrDefault(v) is { Length: > 0 }))
            return null;
        bool insecure = SettingWord.SwitchFromEnvironment(environment, "HPCRUN_INSECURE"); // 64 as from hpcrun-tools
        if (!TryTimeout(environment, out TimeSpan timeout)) return null;
        (string host, int? port) = HostAndPort(reference.Registry);
        using RegistryConnection? connection = RegistryConnection.Open(host, port ?? (insecure ? 80 : 443),
            tls: !insecure, timeout);
        string url = $"{(insecure ? "http" : "https")}://{reference.Registry}/v2/{reference.Repository}" +
            $"/manifests/{reference.Tag}";
        if (connection is null)
        {
            Log.Debug("tag check: HEAD {Url}: no verified connection, hpcrun-tools asks", url);
            return null;
        }
        string request = $"HEAD /v2/{reference.Repository}/manifests/{reference.Tag} HTTP/1.1\r\n" +
            $"Host: {reference.Registry}\r\nUser-Agent: hpcrun/1\r\n" +
            $"Accept: {string.Join(", ", RegistryProtocol.ManifestTypes)}\r\nConnection: close\r\n\r\n";
        string? headers = connection.Write(Encoding.ASCII.GetBytes(request)) ? ReadHeaders(connection) : null;
        (int status, string? digest) = headers is null ? (0, null) : Parse(headers);
        Log.Debug("tag check: HEAD {Url} -> {Status}", url, status == 0 ? "no answer" : status);
        return status == 200 ? digest : null;
    }

    /// <summary>The answer's status line and headers, up to the empty line; null when the connection failed or
    /// they are larger than 64 KiB.</summary>
    private static string? ReadHeaders(RegistryConnection connection)
    {
        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        while (received.Count < MaxHeaders)
        {
            int n = connection.Read(buffer);
            if (n <= 0) break;
            received.AddRange(buffer.AsSpan(0, n));
            string text = Encoding.Latin1.GetString(received.ToArray());
            if (text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is >= 0 and int end) return text[..end];
        }
        return null;
    }

    /// <summary>The status (0 when the status line is not HTTP/1.x's) and the Docker-Content-Digest header when it
    /// is a sha256 digest (RFC 9112: field names are case-insensitive).</summary>
    internal static (int Status, string? Digest) Parse(string headers)
    {
        string[] lines = headers.Split("\r\n");
        string[] statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(statusLine[1], out int status))
            return (0, null);
        string? digest = lines.Skip(1).Select(line => line.Split(':', 2))
            .Where(field => field.Length == 2
                && field[0].Trim().Equals("Docker-Content-Digest", StringComparison.OrdinalIgnoreCase))
            .Select(field => field[1].Trim()).FirstOrDefault();
        bool valid = digest is { Length: 71 } && digest.StartsWith("sha256:", StringComparison.Ordinal)
            && digest[7..].All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));
        return (status, valid ? digest : null);
    }

    /// <summary>HOST[:PORT] or [IPv6][:PORT], as the reference names the registry.</summary>
    internal static (string Host, int? Port) HostAndPort(string registry)
    {
        int close = registry.StartsWith('[') ? registry.IndexOf(']') : -1;
        int colon = registry.LastIndexOf(':');
        if (close > 0)
            return (registry[1..close], colon > close ? int.Parse(registry[(colon + 1)..]) : null);
        return colon < 0 ? (registry, null) : (registry[..colon], int.Parse(registry[(colon + 1)..]));
    }

    private static bool TryTimeout(IReadOnlyDictionary<string, string> environment, out TimeSpan timeout)
    {
        timeout = TimeSpan.FromSeconds(RegistryProtocol.DefaultTimeoutSeconds);
        if (environment.GetValueOrDefault("HPCRUN_REGISTRY_TIMEOUT") is not { Length: > 0 } text) return true;
        if (!int.TryParse(text, out int seconds) || seconds is < 1 or > 86400) return false; // hpcrun-tools says
        timeout = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
