namespace HpcRun.Slurm.Http;

/// <summary>
/// Makes each request look the way slurmrestd 22.05 accepts it: the two authentication headers
/// ("Authorization: Bearer" is refused with 401), and a bare "application/json" content type
/// (with "; charset=utf-8" it answers 400 "Unable to parse query"). The token lives only here
/// and in <see cref="SlurmSettings"/>.
/// </summary>
internal sealed class SlurmHeadersHandler(SlurmSettings settings, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const string UserHeader = "X-SLURM-USER-NAME";
    public const string TokenHeader = "X-SLURM-USER-TOKEN";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        request.Headers.Remove(UserHeader);
        request.Headers.Remove(TokenHeader);
        request.Headers.Add(UserHeader, settings.User);
        request.Headers.TryAddWithoutValidation(TokenHeader, settings.Token);
        if (request.Content?.Headers.ContentType is { CharSet: not null } type) type.CharSet = null;
        return base.SendAsync(request, cancel);
    }
}
