using HpcRun.CommandLine;
using HpcRun.Image.Text;

namespace HpcRun.Doctor;

/// <summary>
/// The image cache in doctor's report, found by the function a launch finds it with
/// (<see cref="ImageCacheDirectory.Find"/>): FAIL with the launch's own line where a `hpcrun docker://REF` would stop
/// at it (a site's cache-dir or the user's folder in it that cannot be used safely: 108; a relative cache variable:
/// 64).
/// For `hpcrun doctor docker://REF`, the image a launch of REF runs is the one checked, found as `--offline` finds it
/// (no request: a doctor asks no registry). One the cache lacks is a WARN with the command that puts it there, as a
/// launch would pull it first and run; a FAIL where the launch would stop instead (HPCRUN_OFFLINE: 109).
/// </summary>
public static class CachedImageCheck
{
    private const string CacheName = "image cache", ImageName = "cached image";

    /// <summary>The cache <paramref name="directory"/> a launch uses.</summary>
    public static CheckResult Usable(string directory) =>
        CheckResult.Ok(CacheName, $"{directory}, where docker:// images are pulled and run from");

    /// <summary>The launch's refusal (<paramref name="line"/>, its message) of the cache, or that there is none.
    /// </summary>
    public static CheckResult Unusable(string line) =>
        CheckResult.Fail(CacheName, line, "every `hpcrun docker://REF` here stops with this line; local images run");

    public static CheckResult Found(string reference, string sif) =>
        CheckResult.Ok(ImageName, $"{reference} is cached: {sif}");

    /// <param name="offline">HPCRUN_OFFLINE is on: a launch would refuse to pull it (109).</param>
    public static CheckResult Missing(string reference, string cacheDirectory, bool offline) =>
        offline ? CheckResult.Fail(ImageName, $"{reference} is not in the image cache ({cacheDirectory}) and " +
                "HPCRUN_OFFLINE forbids pulling it: a launch of it stops (status 109)",
            ImageCacheDirectory.PullCommand(reference) + " where the registry can be reached")
        : CheckResult.Warn(ImageName, $"{reference} is not in the image cache ({cacheDirectory}), so it was not " +
                "checked; a launch pulls it first",
            $"{ImageCacheDirectory.PullCommand(reference)}, then run doctor again");

    /// <summary>A reference that does not parse, or a bad HPCRUN_OFFLINE (<paramref name="why"/>, the launch's
    /// line).</summary>
    public static CheckResult Refused(string reference, string why) =>
        CheckResult.Fail(ImageName, $"{Shown.Address(reference)}: {why}", "a launch of it stops with this line");

    /// <summary>The reference when the cache itself cannot be used (<see cref="Unusable"/> says why).</summary>
    public static CheckResult NotChecked(string reference) =>
        CheckResult.Warn(ImageName, $"{reference} was not checked: the image cache cannot be used",
            "make the image cache usable (above)");
}
