using HpcRun.CommandLine;
using HpcRun.Launch;

namespace HpcRun.Doctor;

/// <summary>hpcrun's own settings: the site configuration (README, "Site configuration") and the variables that say
/// how registries are reached.</summary>
public static class SiteChecks
{
    /// <summary>The files read (none is fine: built-in defaults), and the default binds this node lacks
    /// (left out of every launch here); a bad file fails, as it fails every launch (status 79).</summary>
    public static CheckResult Configuration(DoctorHost host)
    {
        const string name = "configuration";
        if (host.SiteError is { } error)
            return CheckResult.Fail(name, error,
                "correct that line or file; every launch on this node stops at it (status 79)");
        SiteConfig site = host.Site ?? SiteConfig.None;
        // Only the default file may be missing (one HPCRUN_CONFIG names must exist).
        if (site.Files.Count == 0)
        {
            string dropIns = SiteConfig.DropInDirectory(SiteConfig.DefaultPath);
            return CheckResult.Ok(name, $"no {SiteConfig.DefaultPath} nor {dropIns}/*.conf: built-in defaults");
        }
        string[] missing = [.. site.Binds.Select(b => b.Bind.Source).Where(s => !Path.Exists(host.HostPath(s)))];
        return CheckResult.Ok(name, $"read {string.Join(", ", site.Files)}"
            + (missing.Length == 0 ? "" : $"; bind sources not on this node, not bound: {string.Join(", ", missing)}"));
    }

    /// <summary>HPCRUN_REGISTRY_MIRROR and HPCRUN_REGISTRY_TIMEOUT, read by pull's own functions: a bad one fails,
    /// as it stops every pull, build from a registry and `hpcrun docker://REF` that asks the registry (status 64).
    /// </summary>
    public static CheckResult Registry(DoctorHost host)
    {
        const string name = "registry";
        Func<string, string?> variable = host.Environment.GetValueOrDefault;
        var refusals = new List<string>();
        string? mirror = Read(() => RegistryVariables.Mirror(variable), refusals);
        TimeSpan? timeout = Read<TimeSpan?>(() => RegistryVariables.Timeout(variable), refusals);
        if (refusals.Count > 0)
        {
            return CheckResult.Fail(name, string.Join("; ", refusals), "correct or unset the variable: every pull, " +
                "build from a registry and `hpcrun docker://REF` that asks the registry stops at it (status 64); " +
                "local images run");
        }
        return CheckResult.Ok(name, (mirror is null ? "Docker Hub's images from registry-1.docker.io"
                : $"Docker Hub's images from {mirror} ({RegistryVariables.MirrorVariable})") +
            $"; {timeout!.Value.TotalSeconds:0} s timeout" +
            (string.IsNullOrEmpty(variable(RegistryVariables.TimeoutVariable)) ? ""
                : $" ({RegistryVariables.TimeoutVariable})"));
    }

    /// <summary>What <paramref name="read"/> reads; its refusal's line added to <paramref name="refusals"/>.</summary>
    private static T? Read<T>(Func<T> read, List<string> refusals)
    {
        try { return read(); }
        catch (HpcRunException e) { refusals.Add(e.Message); return default; }
    }
}
