namespace HpcRun.Slurm;

/// <summary>What went wrong talking to slurmrestd; the CLI turns each into its own exit status.</summary>
public enum SlurmFault
{
    NotConfigured,   // no URL or no token
    Unreachable,     // connection refused or no route (after the retries), a host name that does not resolve
    Unauthorized,    // HTTP 401: missing or malformed authentication headers
    TokenRejected,   // Slurm 22.05 answers a bad or expired token with HTTP 500
    SlurmError,      // Slurm refused the request and said why (bad partition, another user's job...)
    UnknownJob,      // Slurm knows no job of that id (never submitted, or forgotten MinJobAge after it ended)
    BadResponse,     // not the JSON we expect, or an HTTP status that makes no sense here
    Timeout,         // no answer in time
}

/// <summary>A slurmrestd request failed; <see cref="Exception.Message"/> is one line for
/// the user, with no secret in it.</summary>
public sealed class SlurmApiException(SlurmFault fault, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SlurmFault Fault { get; } = fault;
}
