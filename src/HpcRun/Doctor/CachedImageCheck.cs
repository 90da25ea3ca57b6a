using HpcRun.CommandLine;

namespace HpcRun.Doctor;

/// <summary>
/// `hpcrun doctor docker://REF`: the image a launch of REF runs from the image cache is the one checked, found as
/// `--offline` finds it (no request: a doctor asks no registry). One the cache lacks is said with the command that
/// puts it there; it is a warning, not a failure, as a launch would pull it.
/// </summary>
public static class CachedImageCheck
{
    private const string Name = "image cache";

    public static CheckResult Found(string reference, string sif) =>
        CheckResult.Ok(Name, $"{reference} is cached: {sif}");

    public static CheckResult Missing(string reference, string cacheDirectory) =>
        CheckResult.Warn(Name, $"{reference} is not in the image cache ({cacheDirectory}), so it was not checked",
            $"{ImageCacheDirectory.PullCommand(reference)}, then run doctor again");

    /// <summary>A reference that does not parse, or a cache that cannot be found (<paramref name="why"/>).</summary>
    public static CheckResult Refused(string reference, string why) =>
        CheckResult.Fail(Name, $"{reference}: {why}", "give a docker://HOST/NAME:TAG reference and a usable cache");
}
