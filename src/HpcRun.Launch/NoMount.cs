namespace HpcRun.Launch;

/// <summary>
/// --no-mount LIST (Apptainer's words, comma-separated, repeatable): `tmp` (neither /tmp nor /var/tmp from
/// the host), `home`, `cwd`, `bind-paths` (none of the site's default binds, nor the host's /etc/hosts,
/// /etc/localtime and /etc/resolv.conf: Apptainer's default `bind path` entries and `config resolv_conf`), an
/// absolute path (the site bind, or the host file, with that destination), `hostfs` (accepted: hpcrun never binds
/// the host's file systems). `proc`, `sys`, `dev` and `devpts` are refused: a rank needs the host's (README, "Process
/// model").
/// </summary>
public sealed record NoMount(bool Tmp, bool Home, bool Cwd, bool SiteBinds, IReadOnlyList<string> SiteTargets)
{
    public static readonly NoMount None = new(false, false, false, false, []);

    /// <summary>What left the home out first, as messages name it: --no-home, "--no-mount home",
    /// APPTAINER_NO_HOME...; null while <see cref="Home"/> is false.</summary>
    public string? HomeOrigin { get; init; }

    private static readonly string[] Kept = ["proc", "sys", "dev", "devpts"];

    /// <param name="source">Where the words came from, as messages name it (--no-mount, APPTAINER_NO_MOUNT).</param>
    /// <exception cref="HpcRunException">64 (usage) for a word hpcrun refuses or does not know.</exception>
    public NoMount With(string source, string list)
    {
        NoMount result = this;
        foreach (string word in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            result = word switch
            {
                "tmp" => result with { Tmp = true },
                "home" => result with { Home = true, HomeOrigin = result.HomeOrigin ?? $"{source} home" },
                "cwd" => result with { Cwd = true },
                "bind-paths" => result with { SiteBinds = true },
                "hostfs" => result,
                _ when word.StartsWith('/') =>
                    result with { SiteTargets = [.. result.SiteTargets, PathText.Normalize(word)] },
                _ when Kept.Contains(word) => throw new HpcRunException(ExitCode.Usage,
                    $"{source} {word}: hpcrun always binds the host's /proc, /sys and /dev (MPI and RDMA need them)"),
                _ => throw new HpcRunException(ExitCode.Usage,
                    $"{source}: unknown word '{word}' (tmp, home, cwd, bind-paths, hostfs or a bind's destination)"),
            };
        return result;
    }

    /// <summary>Whether the site bind, or the host file (<see cref="Parts.HostSystemPart"/>), onto
    /// <paramref name="target"/> stays.</summary>
    public bool KeepsSiteBind(string target) => !SiteBinds && !SiteTargets.Contains(target);
}
