using System.CommandLine;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Registry;
using Serilog;

namespace HpcRun.Tools.Verbs.Registry;

/// <summary>How pull talks to a registry: --creds, --insecure (--no-https, --nohttps), and the variables that stand
/// in for them in batch scripts (HPCRUN_INSECURE=1, else Apptainer's APPTAINER_NOHTTPS or APPTAINER_NO_HTTPS;
/// HPCRUN_REGISTRY_MIRROR, HPCRUN_REGISTRY_TIMEOUT seconds).</summary>
internal sealed class RegistryOptions
{
    public readonly Option<string?> Creds = new("--creds")
    {
        Description = "USER:PASSWORD for the registry (visible to other users in ps: prefer HPCRUN_DOCKER_USERNAME " +
            "and HPCRUN_DOCKER_PASSWORD, or docker login's ~/.docker/config.json)",
    };

    /// <summary>Apptainer's spellings too: --no-https, and the older --nohttps it still takes
    /// (Singularity's).</summary>
    public readonly Option<bool> Insecure = new("--insecure", "--no-https", "--nohttps")
    { Description = "Speak plain HTTP to the registry named (also HPCRUN_INSECURE=1; Apptainer's --no-https)" };

    public RegistrySettings Settings(ParseResult result, ImageReference reference)
    {
        string? timeout = Environment.GetEnvironmentVariable("HPCRUN_REGISTRY_TIMEOUT");
        int seconds = RegistrySettings.DefaultTimeoutSeconds;
        if (!string.IsNullOrEmpty(timeout) && (!int.TryParse(timeout, out seconds) || seconds is < 1 or > 86400))
            throw new HpcRunException(ExitCode.Usage,
                $"HPCRUN_REGISTRY_TIMEOUT={Shown.Excerpt(timeout)}: give seconds, 1 to 86400");
        Credentials? credentials = Credentials.Find(result.GetValue(Creds), reference.Registry,
            Environment.GetEnvironmentVariable, warning => Log.Warning("{Text}", warning));
        // The option first: the variables are read only without it (HPCRUN_INSECURE's word is checked by every verb).
        bool insecure = result.GetValue(Insecure) || ApptainerVariables.Insecure(Environment.GetEnvironmentVariable);
        return new RegistrySettings(credentials, TimeSpan.FromSeconds(seconds), insecure,
            Mirror(Environment.GetEnvironmentVariable("HPCRUN_REGISTRY_MIRROR")), line => Log.Debug("{Request}", line));
    }

    /// <summary>HPCRUN_REGISTRY_MIRROR: an http(s) URL with a host (and a port, if any, that TCP has), as Docker's
    /// registry-mirrors take it (registry.ValidateMirror), without credentials, a query or a fragment; null when
    /// unset. Throws <see cref="HpcRunException"/> (64) for anything else, saying which it is.
    /// </summary>
    private static string? Mirror(string? mirror)
    {
        if (string.IsNullOrEmpty(mirror)) return null;
        bool url = Uri.TryCreate(mirror, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            && uri.Host.Length > 0;
        bool tail = url && (uri!.Query.Length > 0 || uri.Fragment.Length > 0);
        if (url && !tail && uri!.UserInfo.Length == 0) return mirror;
        throw new HpcRunException(ExitCode.Usage, $"HPCRUN_REGISTRY_MIRROR={Shown.Address(mirror)}: " +
            (Shown.UserInfoEnd(mirror) > 0 ? "credentials do not go in its URL (the mirror is given Docker Hub's: " +
                "--creds, HPCRUN_DOCKER_USERNAME and HPCRUN_DOCKER_PASSWORD, or ~/.docker/config.json)"
            // Requests go to BASE/v2/...: a query or fragment would be lost or make a wrong URL. Docker refuses them
            // ("query or fragment at end of the URI").
            : tail ? "a mirror's URL has no query or fragment, as Docker's registry-mirrors have none: give " +
                Shown.Address(uri!.GetLeftPart(UriPartial.Path))
            : "not an http(s) URL: give the mirror's URL, e.g. https://mirror.example.org"));
    }
}
