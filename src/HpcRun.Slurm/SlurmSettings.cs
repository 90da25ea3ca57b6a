namespace HpcRun.Slurm;

/// <summary>
/// Where slurmrestd is and who we are to it. <see cref="ToString"/> never shows the token:
/// it must not reach logs, errors or --debug output.
/// </summary>
public sealed record SlurmSettings(Uri Url, string User, string Token, string ApiVersion, TimeSpan Timeout)
{
    /// <summary>Choose the API version from the server's OpenAPI document.</summary>
    public const string AutoVersion = "auto";

    public override string ToString() => $"slurmrestd {Url} as {User}, API {ApiVersion}, timeout {Timeout.TotalSeconds:0.#} s, token <{Token.Length} characters, hidden>";

    /// <summary>Replaces the token wherever it appears in <paramref name="text"/>.</summary>
    public string Redact(string text) => Token.Length == 0 ? text : text.Replace(Token, "<token>", StringComparison.Ordinal);
}
