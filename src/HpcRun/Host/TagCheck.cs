using System.Runtime.InteropServices;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using Serilog;
using Serilog.Events;
using static HpcRun.Host.LibCurl;

namespace HpcRun.Host;

/// <summary>What the registry said of a tag: <see cref="Digest"/> when it answered 200 with one, else
/// <see cref="Unreachable"/> (why) when the registry was not reached at all; neither when it answered otherwise or
/// the answer could not be read (hpcrun-tools then asks, and says what is wrong).</summary>
internal readonly record struct TagAnswer(string? Digest, string? Unreachable);

/// <summary>
/// What a tag names now, asked by the launcher itself with one HEAD request for the manifest (distribution-spec,
/// "Checking if content exists in the registry": the Docker-Content-Digest header), through libcurl, so that a warm
/// `hpcrun docker://REF` starts no other program and loads no trust store whole. The peer is verified as libcurl
/// and OpenSSL verify (a chain to a trusted root, dates, the host name or address of the reference). The roots are
/// OpenSSL's defaults, as .NET's own TLS takes them: SSL_CERT_FILE, else none at first, and the directory of
/// SSL_CERT_DIR (or OpenSSL's default one), looked up by subject hash for the one issuer needed (c_rehash(1)),
/// instead of reading every root: OpenSSL's default file, usually a bundle of all of them, is read only when the
/// directory alone cannot verify the peer. Only the plain case is answered: a registry that answers 200 with a
/// digest, anonymously, without a proxy; and a registry not reached at all (no name, no connection, no answer in
/// time), which hpcrun-tools would only fail to reach again. Anything else (a challenge for credentials, a redirect,
/// an error, a proxy, Docker Hub, whose every request needs a token, no libcurl here) is no answer, and
/// hpcrun-tools asks instead, which knows every case and says what went wrong. The request runs on a thread of its
/// own while the launch mounts the cached image (RegistryImage says when it is waited for).
/// </summary>
internal static unsafe class TagCheck
{
    private static readonly string[] ProxyVariables =
        ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];

    /// <summary>Starts asking what <paramref name="reference"/>'s tag names now, on a thread of its own, so that
    /// the launch goes on meanwhile (<see cref="Asking.Answer"/> waits for it); null when this launcher does not
    /// ask (Docker Hub, a proxy, no tag, a bad HPCRUN_REGISTRY_TIMEOUT: hpcrun-tools asks and says what is wrong).
    /// HPCRUN_INSECURE=1 speaks plain HTTP, HPCRUN_REGISTRY_TIMEOUT bounds the connection and the whole request,
    /// as for hpcrun-tools pull.</summary>
    public static Asking? Start(ImageReference reference, IReadOnlyDictionary<string, string> environment)
    {
        if (reference.Registry == ImageReference.DockerHub || reference.Tag is null
            || ProxyVariables.Any(v => environment.GetValueOrDefault(v) is { Length: > 0 })
            || !TryTimeout(environment, out TimeSpan timeout))
            return null;
        bool insecure = SettingWord.SwitchFromEnvironment(environment, "HPCRUN_INSECURE"); // 64 as from hpcrun-tools
        string url = $"{(insecure ? "http" : "https")}://{reference.Registry}/v2/{reference.Repository}" +
            $"/manifests/{reference.Tag}";
        string? file = environment.GetValueOrDefault("SSL_CERT_FILE") is { Length: > 0 } f ? f : null;
        string? directory = environment.GetValueOrDefault("SSL_CERT_DIR") is { Length: > 0 } d ? d : null;
        return new Asking(() => Ask(url, timeout, file, directory));
    }

    /// <summary>A tag check under way on its own thread.</summary>
    public sealed class Asking
    {
        private readonly Thread thread;
        private TagAnswer answer;

        internal Asking(Func<TagAnswer> ask)
        {
            thread = new Thread(() => answer = ask()) { IsBackground = true, Name = "tag check" };
            thread.Start();
        }

        /// <summary>The registry's answer, once it came (at most HPCRUN_REGISTRY_TIMEOUT).</summary>
        public TagAnswer Answer()
        {
            thread.Join();
            return answer;
        }
    }

    private static TagAnswer Ask(string url, TimeSpan timeout, string? file, string? directory)
    {
        try
        {
            directory ??= Marshal.PtrToStringUTF8(X509_get_default_cert_dir());
            (int result, long status, string? digest) = Head(url, timeout, file, directory);
            bool unverified = result is CURLE_PEER_FAILED_VERIFICATION or CURLE_SSL_CACERT_BADFILE;
            if (unverified && file is null)
            {
                // Roots only in OpenSSL's default file (no hashed directory, as on Red Hat's layout): read it too.
                file = Marshal.PtrToStringUTF8(X509_get_default_cert_file());
                (result, status, digest) = Head(url, timeout, file, directory);
                unverified = result is CURLE_PEER_FAILED_VERIFICATION or CURLE_SSL_CACERT_BADFILE;
            }
            string? unreachable = Unreachable(result, timeout);
            if (Log.IsEnabled(LogEventLevel.Debug))
                Log.Debug("tag check: HEAD {Url} -> {Status}", url, result == CURLE_OK ? status
                    : unreachable is not null ? $"{unreachable} (curl error {result})"
                    : $"{(unverified ? "no verified connection, " : "")}curl error {result}, hpcrun-tools asks");
            return new TagAnswer(result == CURLE_OK && status == 200 ? digest : null, unreachable);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Log.Debug("tag check: HEAD {Url}: no libcurl 7.83+ here, hpcrun-tools asks", url);
            return default;
        }
    }

    /// <summary>Why no connection carried the request, for libcurl's results that say the registry was not
    /// reached (its name, a connection, an answer in time); null for every other result.</summary>
    private static string? Unreachable(int result, TimeSpan timeout) => result switch
    {
        CURLE_COULDNT_RESOLVE_HOST => "its host name does not resolve",
        CURLE_COULDNT_CONNECT => "no connection: refused or unreachable",
        CURLE_OPERATION_TIMEDOUT => $"no answer within {timeout.TotalSeconds:0} s, HPCRUN_REGISTRY_TIMEOUT",
        CURLE_SEND_ERROR or CURLE_RECV_ERROR => "the connection broke",
        _ => null,
    };

    /// <summary>One HEAD of <paramref name="url"/> with the manifest types accepted, trusting the roots of
    /// <paramref name="rootsFile"/> and <paramref name="rootsDirectory"/> (either may be null): libcurl's result
    /// (CURLcode; -1 when an option was refused), the HTTP status and the Docker-Content-Digest header when it is
    /// a sha256 digest.</summary>
    private static (int Result, long Status, string? Digest) Head(string url, TimeSpan timeout, string? rootsFile,
        string? rootsDirectory)
    {
        nint curl = curl_easy_init();
        if (curl == 0) return (-1, 0, null);
        nint accept = curl_slist_append(0, $"Accept: {string.Join(", ", RegistryProtocol.ManifestTypes)}");
        try
        {
            nint milliseconds = (nint)timeout.TotalMilliseconds;
            bool configured = accept != 0
                && Set(curl, Option.Url, url) && Set(curl, Option.NoBody, 1) && Set(curl, Option.HttpHeader, accept)
                && Set(curl, Option.UserAgent, "hpcrun/1") && Set(curl, Option.ProtocolsStr, "http,https")
                && Set(curl, Option.TimeoutMs, milliseconds) && Set(curl, Option.ConnectTimeoutMs, milliseconds)
                && Set(curl, Option.NoSignal, 1) && Set(curl, Option.FollowLocation, 0)
                && Set(curl, Option.Proxy, "") && Set(curl, Option.NoProxy, "*")
                && Set(curl, Option.SslVerifyPeer, 1) && Set(curl, Option.SslVerifyHost, 2)
                && Set(curl, Option.CaInfo, rootsFile) && Set(curl, Option.CaPath, rootsDirectory);
            if (!configured) return (-1, 0, null);
            int result = curl_easy_perform(curl);
            if (result != CURLE_OK || GetLong(curl, CURLINFO_RESPONSE_CODE, out nint status) != CURLE_OK)
                return (result, 0, null);
            string? digest = curl_easy_header(curl, "Docker-Content-Digest", 0, CURLH_HEADER, -1, out nint header)
                == CURLHE_OK ? Marshal.PtrToStringUTF8(((Header*)header)->Value) : null;
            return (result, status, ValidDigest(digest));
        }
        finally
        {
            curl_slist_free_all(accept);
            curl_easy_cleanup(curl);
        }
    }

    private static bool Set(nint curl, Option option, nint value) => SetOption(curl, option, value) == CURLE_OK;

    private static bool Set(nint curl, Option option, string? value) =>
        SetStringOption(curl, option, value) == CURLE_OK;

    /// <summary><paramref name="digest"/> when it is "sha256:" and 64 lower-case hex digits, else null.</summary>
    internal static string? ValidDigest(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith("sha256:", StringComparison.Ordinal)
            && digest[7..].All(char.IsAsciiHexDigitLower) ? digest : null;

    private static bool TryTimeout(IReadOnlyDictionary<string, string> environment, out TimeSpan timeout)
    {
        timeout = TimeSpan.FromSeconds(RegistryProtocol.DefaultTimeoutSeconds);
        if (environment.GetValueOrDefault("HPCRUN_REGISTRY_TIMEOUT") is not { Length: > 0 } text) return true;
        if (!int.TryParse(text, out int seconds) || seconds is < 1 or > 86400) return false; // hpcrun-tools says
        timeout = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
