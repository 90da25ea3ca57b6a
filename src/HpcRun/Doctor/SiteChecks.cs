using HpcRun.Launch;

namespace HpcRun.Doctor;

/// <summary>hpcrun's own settings: the site configuration (README, "Site configuration").</summary>
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
}
