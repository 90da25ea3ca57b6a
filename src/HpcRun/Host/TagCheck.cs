using System.Runtime.InteropServices;
using System.Text;
using HpcRun.Apply.SquashFuse;
using HpcRun.CommandLine;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using HpcRun.Native;
using Serilog;
using Serilog.Events;
using static HpcRun.Host.OpenSsl;

namespace HpcRun.Host;

/// <summary>What the registry said of a tag: <see cref="Digest"/> when it answered 200 with one, else
/// <see cref="Unreachable"/> (why) when the registry was not reached at all; neither when it answered otherwise or
/// the answer could not be read (hpcrun-tools then asks, and says what is wrong).</summary>
internal readonly record struct TagAnswer(string? Digest, string? Unreachable);

/// <summary>
/// What a tag names now, asked by the launcher itself with one GET of the manifest (distribution-spec, "Pulling
/// manifests"; its SHA-256 is the digest), through OpenSSL's own HTTP client and TLS (<see cref="OpenSsl"/>), so that a
/// warm `hpcrun docker://REF` starts no other program, loads two libraries and no trust store whole. libcurl, used
/// before, links 31 libraries whose loading cost a warm launch about 15 ms of its start (bench/section.md). The peer
/// is verified as OpenSSL verifies (a chain to a trusted root, dates, the host name or address of the reference).
/// The roots are OpenSSL's defaults, as .NET's own TLS takes them: SSL_CERT_FILE, else none at first, and the
/// directory of SSL_CERT_DIR (or OpenSSL's default one), looked up by subject hash for the one issuer needed
/// (c_rehash(1)), instead of reading every root: OpenSSL's default file, usually a bundle of all of them, is read
/// only when the directory alone cannot verify the peer. Only the plain case is answered: a registry that answers
/// 200, anonymously, without a proxy; and a registry not reached at all (no name, no connection, no answer in time),
/// which hpcrun-tools would only fail to reach again. Anything else (a challenge for credentials, a redirect, an
/// error, a proxy, Docker Hub, whose every request needs a token, no OpenSSL 3 here) is no answer, and hpcrun-tools
/// asks instead, which knows every case and says what went wrong. The request runs on a thread of its own while the
/// launch mounts the cached image (RegistryImage says when it is waited for).
/// </summary>
internal static unsafe partial class TagCheck
{
    private static readonly string[] ProxyVariables =
        ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];

    /// <summary>Starts asking what <paramref name="reference"/>'s tag names now, on a thread of its own, so that
    /// the launch goes on meanwhile (<see cref="Asking.Answer"/> waits for it); null when this launcher does not
    /// ask (Docker Hub, a proxy, no tag, a bad HPCRUN_REGISTRY_TIMEOUT: hpcrun-tools asks and says what is wrong).
    /// HPCRUN_INSECURE=1 (or Apptainer's APPTAINER_NOHTTPS) speaks plain HTTP, HPCRUN_REGISTRY_TIMEOUT bounds the
    /// connection and the whole request, as for hpcrun-tools pull.</summary>
    public static Asking? Start(ImageReference reference, IReadOnlyDictionary<string, string> environment,
        string cacheRoot)
    {
        if (reference.Registry == ImageReference.DockerHub || reference.Tag is null
            || ProxyVariables.Any(v => environment.GetValueOrDefault(v) is { Length: > 0 })
            || Timeout(environment) is not { } timeout)
            return null;
        bool insecure = ApptainerVariables.Insecure(environment.GetValueOrDefault); // 64 as from hpcrun-tools
        string path = $"/v2/{reference.Repository}/manifests/{reference.Tag}";
        (string host, string? port) = SplitHostPort(reference.Registry);
        port ??= insecure ? "80" : "443";
        var request = new Request($"{(insecure ? "http" : "https")}://{reference.Registry}{path}",
            host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}", host, port, path, !insecure);
        var held = new List<int>();
        string? rootsFile = environment.GetValueOrDefault("SSL_CERT_FILE") is { Length: > 0 } f ? f : null;
        string? rootsDirectory = environment.GetValueOrDefault("SSL_CERT_DIR") is { Length: > 0 } d ? d : null;
        string? file = HeldOpen(rootsFile, held);
        string? directory = rootsDirectory is null ? null
            : string.Join(':', rootsDirectory.Split(':').Select(d => HeldOpen(d, held))); // a list, as OpenSSL reads
        TlsSessionFile? session = request.Tls ? new TlsSessionFile(HeldOpen(cacheRoot, held)!,
            ImageCache.TlsSessionName(reference.Registry, rootsFile, rootsDirectory)) : null;
        return new Asking(() =>
        {
            try { return Ask(request, timeout, file, directory, session); }
            finally { foreach (int fd in held) Syscalls.Close(fd); }
        });
    }

    /// <summary>The roots a variable names, as "/proc/self/fd/N" of a descriptor opened now (O_PATH), which OpenSSL
    /// reads through: the check reads them on its own thread, after the launch has covered its view of the host's
    /// /tmp with the staging tmpfs, where a path under /tmp would no longer be found. The path itself when it cannot
    /// be opened (OpenSSL then fails to read it as it would have).</summary>
    private static string? HeldOpen(string? path, List<int> held)
    {
        if (path is not { Length: > 0 }) return null;
        int fd = Syscalls.TryOpen(path, Syscalls.O_PATH | Syscalls.O_CLOEXEC, out _);
        if (fd < 0) return path;
        held.Add(fd);
        return $"/proc/self/fd/{fd}";
    }

    /// <summary>A tag check under way on its own thread.</summary>
    public sealed class Asking
    {
        private readonly Thread thread;
        private TagAnswer answer;

        internal Asking(Func<TagAnswer> ask)
        {
            thread = new Thread(() =>
            {
                SquashFuseServer.AwaitLibraries();
                answer = ask();
            })
            { IsBackground = true, Name = "tag check" };
            thread.Start();
        }

        /// <summary>The registry's answer, once it came (at most HPCRUN_REGISTRY_TIMEOUT).</summary>
        public TagAnswer Answer()
        {
            thread.Join();
            return answer;
        }
    }

    private static TagAnswer Ask(Request request, TimeSpan timeout, string? file, string? directory,
        TlsSessionFile? session)
    {
        Sessions sessions = default;
        try
        {
            // First: OpenSSL's clean-up at exit would free what this thread still uses when the launch ends before
            // the answer is taken (a damaged cached image: an abort, 134, where the launch says 65).
            OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, 0);
            directory ??= Marshal.PtrToStringUTF8(X509_get_default_cert_dir());
            sessions.Offered = session?.Load() ?? 0;
            (Outcome outcome, string? digest) = Get(request, timeout, file, directory, &sessions);
            if (outcome == Outcome.Unverified && file is null)
            {
                // Roots only in OpenSSL's default file (no hashed directory, as on Red Hat's layout): read it too.
                file = Marshal.PtrToStringUTF8(X509_get_default_cert_file());
                (outcome, digest) = Get(request, timeout, file, directory, &sessions);
            }
            if (sessions.Made != 0) session?.Save(sessions.Made);
            string? unreachable = Unreachable(outcome, timeout);
            if (Log.IsEnabled(LogEventLevel.Debug))
                Log.Debug("tag check: GET {Url} -> {Outcome}", request.Url, outcome switch
                {
                    Outcome.Answered when digest is not null => sessions.Resumed ? "200 (TLS session resumed)" : "200",
                    _ when unreachable is not null => unreachable,
                    Outcome.Unverified => "no verified connection, hpcrun-tools asks",
                    _ => "no answer it could use (not 200, a redirect, a TLS error), hpcrun-tools asks",
                });
            return new TagAnswer(outcome == Outcome.Answered ? digest : null, unreachable);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Log.Debug("tag check: GET {Url}: no OpenSSL 3 here, hpcrun-tools asks", request.Url);
            return default;
        }
        finally
        {
            if (sessions.Offered != 0) SSL_SESSION_free(sessions.Offered);
            if (sessions.Made != 0) SSL_SESSION_free(sessions.Made);
        }
    }

    /// <summary>The TLS sessions of a check: <see cref="Offered"/>, the one kept from an earlier launch (0: none);
    /// <see cref="Made"/>, a resumable one a full handshake made, to keep for the next launch (0: none);
    /// <see cref="Resumed"/>, whether the registry took the one offered.</summary>
    private struct Sessions
    {
        public nint Offered, Made;
        public bool Resumed;
    }

    /// <summary>How a request ended: <see cref="Outcome.Answered"/> with 200, or why not.</summary>
    private enum Outcome { Answered, Unresolved, Refused, TimedOut, Broken, Unverified, Other }

    /// <summary>Why no connection carried the request, for the outcomes that say the registry was not reached (its
    /// name, a connection, an answer in time); null for every other one.</summary>
    private static string? Unreachable(Outcome outcome, TimeSpan timeout) => outcome switch
    {
        Outcome.Unresolved => "its host name does not resolve",
        Outcome.Refused => "no connection: refused or unreachable",
        Outcome.TimedOut => $"no answer within {timeout.TotalSeconds:0} s, HPCRUN_REGISTRY_TIMEOUT",
        Outcome.Broken => "the connection broke",
        _ => null,
    };

    /// <summary>Where the request goes: <see cref="Address"/> ("host:port", brackets around an IPv6 address) for
    /// the connection, <see cref="Host"/> (no brackets) for the certificate's name and SNI.</summary>
    private sealed record Request(string Url, string Address, string Host, string Port, string Path, bool Tls);

    /// <summary>One GET of the manifest with its types accepted, trusting the roots of <paramref name="rootsFile"/>
    /// and <paramref name="rootsDirectory"/> (either may be null): the outcome and, answered 200, the SHA-256 of the
    /// manifest's bytes, which is the digest the registry names it by (distribution-spec, "Pulling manifests").
    /// OpenSSL's HTTP client speaks HTTP/1.0 and has no HEAD; the manifest is a few KiB.</summary>
    private static (Outcome, string? Digest) Get(Request request, TimeSpan timeout, string? rootsFile,
        string? rootsDirectory, Sessions* sessions)
    {
        ERR_clear_error();
        long deadline = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + (long)timeout.TotalSeconds;
        nint context = 0, connection = 0, exchange = 0, headers = 0;
        TlsLayer layer = default; // read again when the exchange is closed: it takes TLS off
        try
        {
            if (request.Tls)
            {
                context = SSL_CTX_new(TLS_client_method());
                if (context == 0) return (Outcome.Other, null);
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER, 0);
                if (SSL_CTX_load_verify_locations(context, rootsFile, rootsDirectory) != 1)
                    return (Outcome.Unverified, null);
            }
            connection = BIO_new_connect(request.Address);
            if (connection == 0) return (Outcome.Other, null);
            if (Connect(connection, deadline) is { } failed) return (failed, null);
            byte[] hostName = [.. Encoding.UTF8.GetBytes(request.Host), 0];
            fixed (byte* host = hostName)
            {
                layer = new TlsLayer(context, host, sessions);
                exchange = OSSL_HTTP_open(request.Host, request.Port, null, null, request.Tls ? 1 : 0, connection, 0,
                    &TlsLayer.Update, (nint)(&layer), 0, (int)timeout.TotalSeconds);
            }
            if (exchange == 0) return (Classify(), null);
            if (X509V3_add_value("Accept", string.Join(", ", RegistryProtocol.ManifestTypes), ref headers) != 1
                || X509V3_add_value("User-Agent", "hpcrun/1", ref headers) != 1)
                return (Outcome.Other, null);
            if (OSSL_HTTP_set1_request(exchange, request.Path, headers, null, 0, null, 0, RegistryProtocol.MaxManifest,
                    (int)timeout.TotalSeconds, 0) != 1)
                return (Outcome.Other, null);
            nint body = OSSL_HTTP_exchange(exchange, out nint redirection);
            Free(redirection); // a redirect is no answer: hpcrun-tools follows it
            if (body == 0) return (redirection != 0 ? Outcome.Other : Classify(), null);
            return ReadDigest(body, deadline) is { } digest ? (Outcome.Answered, digest) : (Classify(), null);
        }
        finally
        {
            FreeHeaders(headers);
            if (exchange != 0) OSSL_HTTP_close(exchange, 0);
            if (connection != 0) BIO_free_all(connection);
            if (context != 0) SSL_CTX_free(context);
            ERR_clear_error();
        }
    }

    /// <summary>Connects once, without OpenSSL's retries (BIO_do_connect_retry(3) retries a refused connection
    /// until the timeout): null when connected, else why not.</summary>
    private static Outcome? Connect(nint connection, long deadline)
    {
        BIO_set_nbio(connection, true);
        while (BIO_do_connect(connection) <= 0)
        {
            if (!BIO_should_retry(connection)) return Classify();
            int ready = BIO_wait(connection, deadline, 0);
            if (ready == 0) return Outcome.TimedOut;
            if (ready < 0) return Classify();
        }
        int fd = BIO_get_fd(connection), on = 1;
        // Without it the request's second segment waits for the registry's delayed ACK (40 ms).
        if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(int));
        return null;
    }

    private const int IPPROTO_TCP = 6, TCP_NODELAY = 1;

    [LibraryImport("libc")]
    private static partial int setsockopt(int fd, int level, int option, void* value, int length);

    /// <summary>"host" and "port" of a registry's "host[:port]" ("[v6 address][:port]"); port null when absent.
    /// </summary>
    internal static (string Host, string? Port) SplitHostPort(string registry)
    {
        if (registry.StartsWith('['))
        {
            int close = registry.IndexOf(']');
            return (registry[1..close], registry.Length > close + 2 ? registry[(close + 2)..] : null);
        }
        int colon = registry.LastIndexOf(':');
        return colon < 0 ? (registry, null) : (registry[..colon], registry[(colon + 1)..]);
    }

    /// <summary>The body read to its end and hashed: "sha256:" and 64 hex digits, or null when it broke off or
    /// outgrew any manifest.</summary>
    private static string? ReadDigest(nint body, long deadline)
    {
        byte[] manifest = new byte[16 << 10];
        int length = 0;
        while (true)
        {
            if (length == manifest.Length)
            {
                if (length == RegistryProtocol.MaxManifest) return null;
                Array.Resize(ref manifest, Math.Min(2 * length, RegistryProtocol.MaxManifest));
            }
            int read;
            fixed (byte* start = manifest) read = BIO_read(body, start + length, manifest.Length - length);
            if (read > 0) length += read;
            else if (read == 0 && !BIO_should_retry(body)) break; // the end of the body
            else if (!BIO_should_retry(body) || BIO_wait(body, deadline, 0) <= 0) return null;
        }
        byte* digest = stackalloc byte[32];
        fixed (byte* start = manifest) SHA256(start, (nuint)length, digest);
        return "sha256:" + Convert.ToHexStringLower(new ReadOnlySpan<byte>(digest, 32));
    }

    /// <summary>The outcome OpenSSL's error queue tells of a failed step (and empties it).</summary>
    private static Outcome Classify()
    {
        var errors = new List<(int Library, int Reason)>();
        nuint code;
        while ((code = ERR_get_error_all(null, null, null, null, null)) != 0)
            errors.Add(((code & 0x80000000) != 0 ? ERR_LIB_SYS : (int)((code >> 23) & 0xFF),
                (int)(code & ((code & 0x80000000) != 0 ? 0x7FFFFFFFu : 0x7FFFFFu))));
        bool Has(int library, int reason) => errors.Contains((library, reason));
        if (Has(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED)) return Outcome.Unverified;
        if (Has(ERR_LIB_HTTP, HTTP_R_RECEIVED_ERROR)) return Outcome.Other; // answered, not 200
        if (Has(ERR_LIB_HTTP, HTTP_R_RETRY_TIMEOUT) || Has(ERR_LIB_BIO, BIO_R_TRANSFER_TIMEOUT)
            || Has(ERR_LIB_BIO, BIO_R_CONNECT_TIMEOUT))
            return Outcome.TimedOut;
        if (Has(ERR_LIB_BIO, ERR_R_SYS_LIB) || Has(ERR_LIB_BIO, BIO_R_LOOKUP_RETURNED_NOTHING))
            return Outcome.Unresolved; // getaddrinfo(3) failed
        if (Has(ERR_LIB_BIO, BIO_R_NBIO_CONNECT_ERROR) || Has(ERR_LIB_BIO, BIO_R_CONNECT_ERROR))
            return Outcome.Refused;
        // Any other TLS error is an answer, not an outage: a plain-HTTP registry (a record that is no TLS), an alert.
        // The cached image must not run unchecked then; hpcrun-tools asks again and says why it fails (101).
        if (errors.Any(e => e.Library == ERR_LIB_SSL && e.Reason != SSL_R_UNEXPECTED_EOF_WHILE_READING))
            return Outcome.Other;
        if (Has(ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING) || Has(ERR_LIB_BIO, BIO_R_TRANSFER_ERROR)
            || Has(ERR_LIB_HTTP, HTTP_R_ERROR_SENDING)
            || Has(ERR_LIB_HTTP, HTTP_R_ERROR_RECEIVING) || Has(ERR_LIB_HTTP, HTTP_R_SERVER_CANCELED_CONNECTION))
            return Outcome.Broken;
        return Outcome.Other;
    }

    /// <summary>OpenSSL's HTTP client's bio_update_fn (OSSL_HTTP_bio_cb_t): on connecting, puts TLS (an SSL BIO
    /// verifying the peer's certificate for the host name or address) on the connection; on disconnecting, takes it
    /// off again, so that the connection BIO, which <see cref="Get"/> owns, is what is left. It offers the session
    /// kept from an earlier launch, and takes off with TLS the session a full handshake made.</summary>
    private readonly struct TlsLayer(nint context, byte* host, Sessions* sessions)
    {
        private readonly nint context = context;
        private readonly byte* host = host;
        private readonly Sessions* sessions = sessions;

        [UnmanagedCallersOnly]
        public static nint Update(nint bio, nint argument, int connect, int useTls)
        {
            TlsLayer* layer = (TlsLayer*)argument;
            if (layer->context == 0) return bio;
            if (connect == 0)
            {
                Keep(BIO_get_ssl(bio), layer->sessions);
                nint below = BIO_pop(bio);
                BIO_free(bio);
                return below;
            }
            nint tls = BIO_new_ssl(layer->context, 1);
            if (tls == 0) return 0;
            nint ssl = BIO_get_ssl(tls);
            byte* host = layer->host;
            bool named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
                || (SSL_set1_host(ssl, host) == 1 && SSL_set_tlsext_host_name(ssl, host));
            if (!named)
            {
                BIO_free(tls);
                return 0;
            }
            if (layer->sessions->Offered != 0) SSL_set_session(ssl, layer->sessions->Offered);
            return BIO_push(tls, bio);
        }

        /// <summary>Notes whether <paramref name="ssl"/> resumed the session offered, and takes the session a full
        /// (so verified) handshake made when the registry sent a ticket for it.</summary>
        private static void Keep(nint ssl, Sessions* sessions)
        {
            if (ssl == 0) return;
            sessions->Resumed = SSL_session_reused(ssl) == 1;
            if (sessions->Resumed || sessions->Made != 0) return;
            nint made = SSL_get1_session(ssl);
            if (made != 0 && SSL_SESSION_is_resumable(made) == 1) sessions->Made = made;
            else if (made != 0) SSL_SESSION_free(made);
        }
    }

    /// <summary>HPCRUN_REGISTRY_TIMEOUT as pull reads it; null for a bad value, which hpcrun-tools refuses in its
    /// line.</summary>
    private static TimeSpan? Timeout(IReadOnlyDictionary<string, string> environment)
    {
        try { return RegistryVariables.Timeout(environment.GetValueOrDefault); }
        catch (HpcRunException) { return null; }
    }

    /// <summary><paramref name="digest"/> when it is "sha256:" and 64 lower-case hex digits, else null.</summary>
    internal static string? ValidDigest(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith("sha256:", StringComparison.Ordinal)
            && digest[7..].All(char.IsAsciiHexDigitLower) ? digest : null;
}
