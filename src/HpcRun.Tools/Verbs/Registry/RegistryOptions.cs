using System.CommandLine;
using HpcRun.CommandLine;
using HpcRun.Image.Registry;
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
        // Checked before the credentials are looked for, whose warnings would come before the refusal.
        TimeSpan timeout = RegistryVariables.Timeout(Environment.GetEnvironmentVariable);
        string? mirror = RegistryVariables.Mirror(Environment.GetEnvironmentVariable);
        Credentials? credentials = Credentials.Find(result.GetValue(Creds), reference.Registry,
            Environment.GetEnvironmentVariable, warning => Log.Warning("{Text}", warning));
        // The option first: the variables are read only without it (HPCRUN_INSECURE's word is checked by every verb).
        bool insecure = result.GetValue(Insecure) || ApptainerVariables.Insecure(Environment.GetEnvironmentVariable);
        return new RegistrySettings(credentials, timeout, insecure, mirror, line => Log.Debug("{Request}", line));
    }
}
