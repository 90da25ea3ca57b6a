using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using HpcRun.Image.Registry;
using Polly;
using Polly.Retry;

namespace HpcRun.Registry;

/// <summary>
/// One repository of one registry, over the OCI Distribution API v2 ("distribution-spec", spec.md: pulling
/// manifests and blobs). Authentication as registries ask for it in their 401's WWW-Authenticate challenge:
/// Bearer (a token from the realm the challenge names, anonymous or with the user's credentials: Docker's "Token
/// Authentication Specification", what Docker Hub, GHCR, Quay and GitLab use) or Basic. Transient faults (no
/// connection, a connection that broke, 429, 500, 502, 503, 504) are retried <see cref="MaxRetries"/> times, after
/// the wait a 429's or 503's Retry-After asks for (not beyond the timeout); a
/// blob that broke off is resumed from where it stopped (Range). Every byte is checked against its digest while
/// it streams. Failures are <see cref="RegistryException"/>s with one line in hpcrun's words.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    public const int MaxRetries = 3;

    private readonly HttpClient http;
    private readonly ImageReference reference;
    private readonly RegistrySettings settings;
    private readonly Uri baseUri;
    private readonly SemaphoreSlim authenticating = new(1, 1);
    private readonly ResiliencePipeline<HttpResponseMessage> retries;
    private AuthenticationHeaderValue? authorization;

    public RegistryClient(ImageReference reference, RegistrySettings settings)
    {
        (this.reference, this.settings) = (reference, settings);
        baseUri = settings.BaseUri(reference.Registry);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.Timeout,
            AllowAutoRedirect = true, // blobs redirect to storage; .NET drops Authorization on the way, and https->http
            MaxAutomaticRedirections = 5,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = true,
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("hpcrun", "1"));
        retries = MakeRetries();
    }

    /// <summary>Whether the registry wanted credentials or a token (a 401 answered).</summary>
    public bool Authenticated => authorization is not null;

    /// <summary>The registry as messages name it: the one asked, which for Docker Hub's names may be the mirror
    /// (HPCRUN_REGISTRY_MIRROR) rather than docker.io.</summary>
    public string Where => reference.Registry == ImageReference.DockerHub && settings.Mirror is { Length: > 0 }
        ? $"{baseUri.Authority}/{reference.Repository} (HPCRUN_REGISTRY_MIRROR)"
        : $"{reference.Registry}/{reference.Repository}";

    /// <summary>The manifest (or index) <paramref name="key"/> (a tag or a digest): its bytes, media type and
    /// digest, checked against <paramref name="key"/> when it is one, else against the digest the registry names in
    /// its Docker-Content-Digest header, when it names one (distribution-spec, "Pulling manifests": a client should
    /// verify it).</summary>
    public async Task<(byte[] Bytes, string MediaType, string Digest)> GetManifest(string key, CancellationToken cancel)
    {
        string what = ManifestWhat(key);
        using HttpResponseMessage response = await Send(() => ManifestRequest(HttpMethod.Get, key), what,
            cancel).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > RegistryProtocol.MaxManifest)
            throw new RegistryException(RegistryFault.BadContent, $"{Where}: the {what} is larger than 4 MiB");
        byte[] bytes = await ReadBody(response, what, cancel).ConfigureAwait(false);
        if (bytes.Length > RegistryProtocol.MaxManifest)
            throw new RegistryException(RegistryFault.BadContent, $"{Where}: the {what} is larger than 4 MiB");
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (key.StartsWith("sha256:", StringComparison.Ordinal) && key != digest)
            throw new RegistryException(RegistryFault.BadContent,
                $"{Where}: manifest {key} does not match its digest (it is {digest})");
        // Only a sha256 one can be checked; another algorithm's is left to the registry.
        if (!key.Contains(':') && AnnouncedDigest(response) is { } announced
            && announced.StartsWith("sha256:", StringComparison.Ordinal) && announced != digest)
            throw new RegistryException(RegistryFault.BadContent,
                $"{Where}: the {what} does not match the digest the registry gave " +
                $"({HpcRun.Image.Text.Shown.Excerpt(announced)}; it is {digest})");
        string type = response.Content.Headers.ContentType?.MediaType ?? MediaTypeOf(bytes) ?? "";
        return (bytes, type, digest);
    }

    /// <summary>How messages name manifest <paramref name="key"/>: a tag has no ':', a digest has.</summary>
    private static string ManifestWhat(string key) =>
        key.Contains(':') ? $"manifest of digest {key}" : $"manifest for tag {key}";

    private static string? AnnouncedDigest(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Docker-Content-Digest", out IEnumerable<string>? values)
            ? values.FirstOrDefault() : null;

    /// <summary>What manifest <paramref name="key"/> is now, by a HEAD request: the digest the registry names in
    /// its Docker-Content-Digest header (distribution-spec, "Checking if content exists in the registry"), null when
    /// it names none. Docker Hub does not count HEAD requests against its pull rate limit.</summary>
    public async Task<string?> ManifestDigest(string key, CancellationToken cancel)
    {
        using HttpResponseMessage response = await Send(() => ManifestRequest(HttpMethod.Head, key),
            ManifestWhat(key), cancel).ConfigureAwait(false);
        return AnnouncedDigest(response);
    }

    private HttpRequestMessage ManifestRequest(HttpMethod method, string key)
    {
        var request = new HttpRequestMessage(method, Url($"manifests/{key}"));
        foreach (string type in RegistryProtocol.ManifestTypes)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        return request;
    }

    /// <summary>A line for <see cref="RegistrySettings.Trace"/> (--debug).</summary>
    public void Trace(string line) => settings.Trace?.Invoke(line);

    /// <summary>Downloads blob <paramref name="digest"/> of <paramref name="size"/> bytes into the new file
    /// <paramref name="path"/>, hashing while it streams; <paramref name="progress"/> hears of each chunk
    /// written, in the file by then (and of a restart, negatively). Others may read the file meanwhile
    /// (<see cref="ArrivingBlob"/>). A mismatch in digest or size is <see cref="RegistryFault.BadContent"/>.</summary>
    public async Task DownloadBlob(string digest, long size, string path, Action<long> progress,
        CancellationToken cancel)
    {
        // Unbuffered (0): each chunk is in the file, where a reader of the growing blob finds it, before progress.
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 0,
            FileOptions.Asynchronous);
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int resume = 0; ; resume++)
        {
            long from = file.Length;
            try
            {
                await Fetch(digest, from, file, hash, progress, cancel).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (resume < MaxRetries && IsBrokenTransfer(e) && !cancel.IsCancellationRequested)
            {
                settings.Trace?.Invoke($"blob {digest}: transfer broke at {file.Length} bytes, resuming");
            }
            catch (RegistryException e) when (e.Fault == RegistryFault.Unreachable)
            {
                // The registry went away, rather than sent too little: the fault is reaching it (101), not what it
                // sent (107).
                throw new RegistryException(RegistryFault.Unreachable,
                    $"{Where}: blob {digest} broke off at {file.Length} of {size} bytes, and resuming it failed: " +
                    e.Message, e.InnerException);
            }
            catch (Exception e) when (IsBrokenTransfer(e))
            {
                throw new RegistryException(RegistryFault.BadContent,
                    $"{Where}: blob {digest} broke off at {file.Length} of {size} bytes " +
                    $"(after {MaxRetries} resumptions)", e);
            }
        }
        string actual = "sha256:" + Convert.ToHexStringLower(hash.GetCurrentHash());
        if (file.Length != size)
            throw new RegistryException(RegistryFault.BadContent,
                $"{Where}: blob {digest} is {file.Length} bytes, its manifest says {size}");
        if (actual != digest)
            throw new RegistryException(RegistryFault.BadContent,
                $"{Where}: blob {digest} does not match its digest (it is {actual})");
        await file.FlushAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>One GET of the blob, from byte <paramref name="from"/> on (Range) when a transfer broke before:
    /// appended when the registry answers 206 from there, else started over.</summary>
    private async Task Fetch(string digest, long from, FileStream file, IncrementalHash hash, Action<long> progress,
        CancellationToken cancel)
    {
        using HttpResponseMessage response = await Send(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Url($"blobs/{digest}"));
            if (from > 0) request.Headers.Range = new RangeHeaderValue(from, null);
            return request;
        }, $"blob {digest}", cancel).ConfigureAwait(false);
        bool resumed = response.StatusCode == HttpStatusCode.PartialContent
            && response.Content.Headers.ContentRange?.From == from;
        if (!resumed && from > 0)
        {
            progress(-file.Length);
            file.SetLength(0);
            hash.GetHashAndReset();
        }
        await using Stream body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        byte[] buffer = new byte[1 << 16];
        while (await ReadSome(body, buffer, $"blob {digest}", cancel).ConfigureAwait(false) is > 0 and int n)
        {
            hash.AppendData(buffer, 0, n);
            await file.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
            progress(n);
        }
    }

    /// <summary>A read that must bring something within the timeout (a registry that stalls mid-body).</summary>
    private async Task<int> ReadSome(Stream body, byte[] buffer, string what, CancellationToken cancel,
        TokenService? service = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(settings.Timeout);
        try { return await body.ReadAsync(buffer, deadline.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw TimedOut(what, service);
        }
    }

    private async Task<byte[]> ReadBody(HttpResponseMessage response, string what, CancellationToken cancel,
        TokenService? service = null)
    {
        await using Stream body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        using var bytes = new MemoryStream();
        byte[] buffer = new byte[1 << 16];
        try
        {
            while (await ReadSome(body, buffer, what, cancel, service).ConfigureAwait(false) is > 0 and int n)
            {
                bytes.Write(buffer, 0, n);
                if (bytes.Length > RegistryProtocol.MaxManifest) break;
            }
        }
        catch (Exception e) when (IsBrokenTransfer(e))
        {
            throw new RegistryException(RegistryFault.BadContent, $"{Who(service)}: the {what} broke off", e);
        }
        return bytes.ToArray();
    }

    /// <summary>Sends a request (made anew for each attempt), authenticating once when the registry asks, retrying
    /// transient faults, and turning every answer but 2xx into its <see cref="RegistryException"/>.</summary>
    private async Task<HttpResponseMessage> Send(Func<HttpRequestMessage> make, string what, CancellationToken cancel)
    {
        AuthenticationHeaderValue? used = authorization;
        HttpResponseMessage response = await Attempt(make, used, what, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && StorageAnswer.Host(response, baseUri) is { } storage)
            using (response) throw StorageAnswer.Refusal(response, $"{Where}: {what}", storage);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
            response.Dispose();
            await Authenticate(challenge, used, cancel).ConfigureAwait(false);
            response = await Attempt(make, authorization, what, cancel).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && StorageAnswer.Host(response, baseUri) is { } again)
                using (response) throw StorageAnswer.Refusal(response, $"{Where}: {what}", again);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.BadRequest && baseUri.Scheme == "http"
                && await SpeaksHttps(response, what, cancel).ConfigureAwait(false))
                throw new RegistryException(RegistryFault.Refused, $"{Where}: the registry speaks HTTPS: leave out " +
                    "--insecure (HPCRUN_INSECURE), which speaks plain HTTP to it");
            throw Refusal(response, what);
        }
    }

    /// <summary>Whether a 400 is what an HTTPS server answers a plain HTTP request with (Go's net/http, hence
    /// docker-registry: "Client sent an HTTP request to an HTTPS server.").</summary>
    private async Task<bool> SpeaksHttps(HttpResponseMessage response, string what, CancellationToken cancel)
    {
        try
        {
            byte[] body = await ReadBody(response, what, cancel).ConfigureAwait(false);
            return System.Text.Encoding.UTF8.GetString(body).Contains("HTTP request to an HTTPS server",
                StringComparison.OrdinalIgnoreCase);
        }
        catch (RegistryException) { return false; } // its body broke off or stalled: the 400 is said as it is
    }

    /// <summary>One request with its retries; <paramref name="service"/>: the token service it goes to (null: the
    /// registry), which its failures then name.</summary>
    private async Task<HttpResponseMessage> Attempt(Func<HttpRequestMessage> make,
        AuthenticationHeaderValue? auth, string what, CancellationToken cancel, TokenService? service = null)
    {
        try
        {
            return await retries.ExecuteAsync(async token =>
            {
                using HttpRequestMessage request = make();
                request.Headers.Authorization = auth;
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(settings.Timeout);
                try
                {
                    HttpResponseMessage response = await http.SendAsync(request,
                        HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                    settings.Trace?.Invoke(
                        $"{request.Method} {Shown(request.RequestUri)} -> {(int)response.StatusCode}");
                    return response;
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    settings.Trace?.Invoke($"{request.Method} {Shown(request.RequestUri)} -> no answer in time");
                    throw TimedOut(what, service);
                }
            }, cancel).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e, service);
        }
    }

    /// <summary>Gets what <paramref name="challenge"/> asks for, unless another request already did (the
    /// header differs from <paramref name="used"/>).</summary>
    private async Task Authenticate(AuthenticationHeaderValue? challenge, AuthenticationHeaderValue? used,
        CancellationToken cancel)
    {
        await authenticating.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            if (!Equals(authorization, used)) return;
            Credentials? credentials = settings.Credentials;
            string scheme = challenge?.Scheme ?? "";
            if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
                authorization = new AuthenticationHeaderValue("Bearer",
                    await Token(challenge!, cancel).ConfigureAwait(false));
            else if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && credentials is not null
                     && used is null)
                authorization = new AuthenticationHeaderValue("Basic", credentials.Basic);
            else throw Unauthorized(used is not null);
        }
        finally { authenticating.Release(); }
    }

    /// <summary>A bearer token from the challenge's realm for its service and scope (or this repository's pull
    /// scope), with the user's credentials when there are any.</summary>
    private async Task<string> Token(AuthenticationHeaderValue challenge, CancellationToken cancel)
    {
        Dictionary<string, string> parameters = ChallengeParameters.Parse(challenge.Parameter);
        if (!parameters.TryGetValue("realm", out string? realm) || !Uri.TryCreate(realm, UriKind.Absolute, out Uri? url)
            || url.Scheme is not ("https" or "http"))
            throw new RegistryException(RegistryFault.Refused,
                $"{Where}: the registry's challenge names no token realm");
        string scope = parameters.GetValueOrDefault("scope") ?? $"repository:{reference.Repository}:pull";
        string query = (parameters.TryGetValue("service", out string? service)
            ? $"service={Uri.EscapeDataString(service)}&" : "") + $"scope={Uri.EscapeDataString(scope)}";
        var tokenUrl = new UriBuilder(url) { Query = url.Query.Length > 1 ? $"{url.Query[1..]}&{query}" : query }.Uri;
        // Its faults name it, not the registry: the realm is often another host (auth.docker.io for Docker Hub),
        // and "cannot reach" the registry that has just answered would send the user to the wrong server.
        var tokenService = new TokenService(url, reference.Registry);
        if (settings.Credentials is not null && !tokenService.TakesCredentials(baseUri))
            throw new RegistryException(RegistryFault.Refused, $"{tokenService} is plain HTTP, the registry HTTPS: " +
                "hpcrun does not send your credentials over it (ask the registry's administrator for an https realm)");
        using HttpResponseMessage response = await Attempt(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, tokenUrl);
            return request;
        }, settings.Credentials is { } c ? new AuthenticationHeaderValue("Basic", c.Basic) : null, "token", cancel,
            tokenService).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw Unauthorized(settings.Credentials is not null, tokenService, (int)response.StatusCode);
        if (!response.IsSuccessStatusCode) throw Refusal(response, "token", tokenService);
        byte[] body = await ReadBody(response, "token", cancel, tokenService).ConfigureAwait(false);
        TokenAnswer? answer;
        try { answer = JsonSerializer.Deserialize(body, RegistryJson.Default.TokenAnswer); }
        catch (JsonException) { answer = null; }
        return answer?.Token ?? answer?.AccessToken
            ?? throw new RegistryException(RegistryFault.Refused, $"{tokenService}: its answer has no token");
    }

    private Uri Url(string tail) => new(baseUri, $"v2/{reference.Repository}/{tail}");

    /// <summary>A URL without its query (a storage redirect's query may carry a signature).</summary>
    private static string Shown(Uri? url) => url is null ? "" : url.GetLeftPart(UriPartial.Path);

    /// <summary>Who failed, as a message starts: the registry and repository, or the token service.</summary>
    private string Who(TokenService? service) => service?.ToString() ?? Where;

    /// <summary>"the registry", or the token service (which <see cref="Who"/> named already).</summary>
    private static string It(TokenService? service) => service is null ? "the registry" : "it";

    private RegistryException Unauthorized(bool credentialsGiven, TokenService? service = null, int code = 401) =>
        new(RegistryFault.Unauthorized, credentialsGiven
            ? $"{Who(service)}: {It(service)} rejected the credentials ({code})"
            : $"{Who(service)}: {It(service)} wants credentials ({code}): give --creds USER:PASSWORD, " +
              "HPCRUN_DOCKER_USERNAME and HPCRUN_DOCKER_PASSWORD, or `docker login` the registry");

    private RegistryException TimedOut(string what, TokenService? service = null) => new(RegistryFault.Timeout,
        $"{Who(service)}: no answer for the {what} within {settings.Timeout.TotalSeconds:0.#} s " +
        "(HPCRUN_REGISTRY_TIMEOUT)");

    private RegistryException Unreachable(HttpRequestException e, TokenService? service = null)
    {
        // HOST:PORT as asked: the mirror's for Docker Hub's names, and the port a user must look for (a firewall).
        string host = service?.ToString() ?? $"{baseUri.Host}:{baseUri.Port}";
        return e.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => new(RegistryFault.Unreachable,
                $"cannot reach {host}: the TLS handshake failed (certificate not trusted? a plain-HTTP " +
                "registry needs HPCRUN_INSECURE=1, or --insecure on pull and build)", e),
            HttpRequestError.NameResolutionError => new(RegistryFault.Unreachable,
                $"cannot reach {host}: host not found", e),
            HttpRequestError.ConnectionError => new(RegistryFault.Unreachable, $"cannot reach {host}: the " +
                $"connection {(Refused(e) ? "was refused" : "failed")} (after {MaxRetries} retries)", e),
            _ => new(RegistryFault.Refused,
                $"{Who(service)}: {(service is null ? "the registry's" : "its")} answer is not valid HTTP", e),
        };
    }

    private static bool Refused(HttpRequestException e) =>
        e.InnerException is System.Net.Sockets.SocketException
        { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused };

    private RegistryException Refusal(HttpResponseMessage response, string what, TokenService? service = null) =>
        (int)response.StatusCode switch
        {
            401 => Unauthorized(authorization is not null || settings.Credentials is not null, service),
            403 => new(RegistryFault.Unauthorized, $"{Who(service)}: access to the {what} denied (403)"),
            // A token service's 404 is a realm that leads nowhere, not a missing image (104).
            404 when service is null => new(RegistryFault.NotFound,
                what.StartsWith("manifest", StringComparison.Ordinal) ? $"{Where}: no such image: {reference} (404)"
                    : $"{Where}: the registry has no {what} (404)"),
            429 => new(RegistryFault.Refused, $"{Who(service)}: too many requests (429), {GaveUp(response)}"),
            var status and >= 500 => new(RegistryFault.Refused,
                $"{Who(service)}: {It(service)} failed ({status}), {GaveUp(response)}"),
            var status => new(RegistryFault.Refused, $"{Who(service)}: unexpected answer {status} for the {what}"),
        };

    /// <summary>Why a 429 or 5xx was given up on: the wait it asked for was longer than the timeout, or the retries
    /// ran out.</summary>
    private string GaveUp(HttpResponseMessage response) =>
        AskedWait(response, DateTimeOffset.UtcNow) is { } wait && wait > settings.Timeout
            ? $"and it asked to wait {Math.Ceiling(wait.TotalSeconds):0} s, longer than hpcrun waits for it " +
              $"({settings.Timeout.TotalSeconds:0.#} s, HPCRUN_REGISTRY_TIMEOUT)"
            : $"still after {MaxRetries} retries";

    /// <summary>A transfer that broke off mid-body (connection reset, registry killed): resumable. Not a failed
    /// write of the file (a full disk), which is an IOException too.</summary>
    private static bool IsBrokenTransfer(Exception e) =>
        e is HttpIOException or HttpRequestException or RegistryException { Fault: RegistryFault.Unreachable }
        || e is IOException { InnerException: System.Net.Sockets.SocketException };

    private static string? MediaTypeOf(byte[] manifest)
    {
        try { return JsonSerializer.Deserialize(manifest, RegistryJson.Default.ManifestDocument)?.MediaType; }
        catch (JsonException) { return null; }
    }

    /// <summary>The retries: exponential back-off, or as long as a 429's or 503's Retry-After asks (RFC 9110
    /// 10.2.3), which is not retried when that is longer than the timeout (<see cref="AskedWait"/>).</summary>
    private ResiliencePipeline<HttpResponseMessage> MakeRetries() =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(e => e.HttpRequestError is HttpRequestError.ConnectionError
                        or HttpRequestError.ResponseEnded)
                    .HandleResult(r => (int)r.StatusCode is 429 or 500 or 502 or 503 or 504
                        && !(AskedWait(r, DateTimeOffset.UtcNow) > settings.Timeout)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r
                    ? AskedWait(r, DateTimeOffset.UtcNow) : null),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>How long a 429 or 503 asks to be left alone (its Retry-After: seconds, or an HTTP date after
    /// <paramref name="now"/>); null for other answers and for one that asks nothing.</summary>
    internal static TimeSpan? AskedWait(HttpResponseMessage response, DateTimeOffset now) =>
        (int)response.StatusCode is 429 or 503 && response.Headers.RetryAfter is { } after
            ? after.Delta ?? (after.Date is { } date ? TimeSpan.FromTicks(Math.Max(0, (date - now).Ticks)) : null)
            : null;

    public void Dispose()
    {
        http.Dispose();
        authenticating.Dispose();
    }
}
