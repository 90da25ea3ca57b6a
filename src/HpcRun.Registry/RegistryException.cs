namespace HpcRun.Registry;

/// <summary>Why a pull failed; each has an exit status of its own (README, "Exit status": 100-109).</summary>
public enum RegistryFault
{
    /// <summary>Not an image reference, or a bad --platform / --creds.</summary>
    BadReference,
    /// <summary>No connection: refused, host unknown, TLS handshake failed (after bounded retries).</summary>
    Unreachable,
    /// <summary>No (complete) answer within the timeout.</summary>
    Timeout,
    /// <summary>401 or 403: credentials missing or rejected, or access denied.</summary>
    Unauthorized,
    /// <summary>404: no such repository, tag, manifest or blob.</summary>
    NotFound,
    /// <summary>429 or 5xx, still after bounded retries, or another answer hpcrun cannot use.</summary>
    Refused,
    /// <summary>The image has no manifest for the platform asked for.</summary>
    NoPlatform,
    /// <summary>What the registry sent is not what it promised: a digest or size mismatch, a truncated blob, a
    /// malformed or unsupported manifest.</summary>
    BadContent,
    /// <summary>The image cache cannot be made or written, or the disk is full (an OUT that is in the way is a
    /// build's <see cref="HpcRun.Build.BuildFailure.OutputUnwritable"/>).</summary>
    Unwritable,
    /// <summary>--offline (HPCRUN_OFFLINE=1) and the cache lacks the image.</summary>
    NotCached,
}

/// <summary>A pull that failed for <see cref="Fault"/>: its message is one line for the user, without
/// credentials.</summary>
public sealed class RegistryException(RegistryFault fault, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public RegistryFault Fault { get; } = fault;

    /// <summary>The registry was not reached at all: its name did not resolve, no connection was made, or nothing
    /// answered in time. Not a failed TLS handshake (a trust to set up) nor any answer.</summary>
    public bool NotReached => Fault == RegistryFault.Timeout || (Fault == RegistryFault.Unreachable
        && InnerException is HttpRequestException
        { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError });
}
