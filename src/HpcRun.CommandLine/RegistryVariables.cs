using HpcRun.Image.Registry;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>
/// The variables that say how hpcrun talks to registries, read and checked in one place by everything that reads
/// them: pull and build (hpcrun-tools), the launcher's own check of a cached tag, and doctor, which says beforehand
/// what a pull would stop at. A bad value is one line (64) naming the variable and what it takes.
/// </summary>
public static class RegistryVariables
{
    public const string MirrorVariable = "HPCRUN_REGISTRY_MIRROR", TimeoutVariable = "HPCRUN_REGISTRY_TIMEOUT";

    /// <summary>A day: a registry silent for longer than that is down, and a larger number is likelier a typo.
    /// </summary>
    private const int MaxTimeoutSeconds = 86400;

    /// <summary>HPCRUN_REGISTRY_TIMEOUT: whole seconds, 1 to a day;
    /// <see cref="RegistryProtocol.DefaultTimeoutSeconds"/> when it is unset or empty.</summary>
    /// <param name="variable">A variable's value, or null when it is unset.</param>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for anything else.</exception>
    public static TimeSpan Timeout(Func<string, string?> variable)
    {
        string? text = variable(TimeoutVariable);
        if (string.IsNullOrEmpty(text)) return TimeSpan.FromSeconds(RegistryProtocol.DefaultTimeoutSeconds);
        if (int.TryParse(text, out int seconds) && seconds is >= 1 and <= MaxTimeoutSeconds)
            return TimeSpan.FromSeconds(seconds);
        throw new HpcRunException(ExitCode.Usage,
            $"{TimeoutVariable}={Shown.Excerpt(text)}: give seconds, 1 to {MaxTimeoutSeconds}");
    }

    /// <summary>HPCRUN_REGISTRY_MIRROR: an http(s) URL with a host (and a port, if any, that TCP has), as Docker's
    /// registry-mirrors take it (registry.ValidateMirror), without credentials, a query or a fragment; null when
    /// unset or empty.</summary>
    /// <param name="variable">A variable's value, or null when it is unset.</param>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for anything else, saying which it is.
    /// </exception>
    public static string? Mirror(Func<string, string?> variable)
    {
        string? mirror = variable(MirrorVariable);
        if (string.IsNullOrEmpty(mirror)) return null;
        bool url = Uri.TryCreate(mirror, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            && uri.Host.Length > 0;
        bool tail = url && (uri!.Query.Length > 0 || uri.Fragment.Length > 0);
        if (url && !tail && uri!.UserInfo.Length == 0) return mirror;
        throw new HpcRunException(ExitCode.Usage, $"{MirrorVariable}={Shown.Address(mirror)}: " +
            (Shown.UserInfoEnd(mirror) > 0 ? "credentials do not go in its URL (the mirror is given Docker Hub's: " +
                "--creds, HPCRUN_DOCKER_USERNAME and HPCRUN_DOCKER_PASSWORD, or ~/.docker/config.json)"
            // Requests go to BASE/v2/...: a query or fragment would be lost or make a wrong URL. Docker refuses them
            // ("query or fragment at end of the URI").
            : tail ? "a mirror's URL has no query or fragment, as Docker's registry-mirrors have none: give " +
                Shown.Address(uri!.GetLeftPart(UriPartial.Path))
            : "not an http(s) URL: give the mirror's URL, e.g. https://mirror.example.org"));
    }
}
