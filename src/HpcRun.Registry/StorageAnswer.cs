using System.Net;

namespace HpcRun.Registry;

/// <summary>
/// An answer that came from where the registry redirected a request (a blob to its storage: S3, a CDN) rather than
/// from the registry. Its failures are said as the storage's: the registry's credentials or token are not what it
/// wants (a redirect carries none), and a signed URL that expired or a storage that wants credentials of its own is
/// for the registry's operators to fix, not a missing image or the user's login.
/// </summary>
internal static class StorageAnswer
{
    /// <summary>The host[:port] <paramref name="response"/> came from when a redirect led away from the registry's v2
    /// API at <paramref name="registry"/>; null when it is the registry's own answer.</summary>
    public static string? Host(HttpResponseMessage response, Uri registry) =>
        response.RequestMessage?.RequestUri is { } final
        && !final.AbsoluteUri.StartsWith(new Uri(registry, "v2/").AbsoluteUri, StringComparison.Ordinal)
            ? final.Authority : null;

    /// <summary>The failure <paramref name="response"/> from <paramref name="storage"/> is, for
    /// <paramref name="what"/> (`REGISTRY/REPO: blob sha256:...`), with the fault the registry's same answer has:
    /// 401 and 403 refused (103), 404 not found (104), anything else a refusal (105).</summary>
    public static RegistryException Refusal(HttpResponseMessage response, string what, string storage)
    {
        int status = (int)response.StatusCode;
        (RegistryFault fault, string answer) = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => (RegistryFault.Unauthorized, "refused it: 401 Unauthorized"),
            HttpStatusCode.Forbidden => (RegistryFault.Unauthorized, "refused it: 403 Forbidden"),
            HttpStatusCode.NotFound => (RegistryFault.NotFound, "does not have it: 404 Not Found"),
            _ => (RegistryFault.Refused, $"failed: it answered {status}"),
        };
        return new(fault, $"{what}: the storage it was redirected to ({storage}) {answer}");
    }
}
