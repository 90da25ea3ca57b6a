namespace HpcRun.Slurm;

/// <summary>
/// Where slurmrestd is and who we are to it. <see cref="ToString"/> never shows the token:
/// it must not reach logs, errors or --debug output.
/// </summary>
public sealed record SlurmSettings(Uri Url, string User, string Token, string ApiVersion, TimeSpan Timeout)
{
    /// <summary>Choose the API version from the server's OpenAPI document.</summary>
    public const string AutoVersion = "auto";

    /// <summary>The URL with its path ending in '/': the API's paths and the OpenAPI document's are then both below
    /// it (a path prefix, as behind a reverse proxy, kept with or without its trailing '/'), where a path without one
    /// would lose its last segment to the document's relative one (RFC 3986, 5.2). A query is left out, as no request
    /// carries it.</summary>
    public Uri Url { get; } =
        new(Url.GetLeftPart(UriPartial.Path) is var path && path.EndsWith('/') ? path : path + "/");

    /// <summary>The token as it is sent in X-SLURM-USER-TOKEN: without the white space around it
    /// (`export SLURM_JWT=$(cat file)` keeps a file's trailing newline; a header value cannot hold one).</summary>
    public string Token { get; } = Token.Trim();

    public override string ToString() =>
        $"slurmrestd {Url} as {User}, API {ApiVersion}, timeout {Timeout.TotalSeconds:0.#} s, "
            + $"token <{Token.Length} characters, hidden>";

    /// <summary>Replaces the token wherever <paramref name="text"/> holds it, in any form a server may echo
    /// it in (<see cref="TokenForms"/>): a server's error message is shown to the user.</summary>
    public string Redact(string text) => Token.Length == 0 ? text : TokenForms.Pattern(Token).Replace(text, "<token>");
}
