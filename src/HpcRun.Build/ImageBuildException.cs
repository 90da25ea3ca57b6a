using HpcRun.Image;
using HpcRun.Image.Posix;
namespace HpcRun.Build;

/// <summary>Why a build failed, other than a malformed input (<see cref="ImageFormatException"/>); each kind has an
/// exit status of its own (README, "Exit status").</summary>
public enum BuildFailure
{
    /// <summary>A helper program (mksquashfs) or a system call failed.</summary>
    ToolFailed,
    /// <summary>mksquashfs is not installed.</summary>
    ToolMissing,
    /// <summary>OUT cannot be written: it exists (without --force), is a directory, or its directory is missing, no
    /// directory or not writable; for a build and a pull alike (<see cref="OutputRefusal"/>).</summary>
    OutputUnwritable,
    /// <summary>A file or directory of the source cannot be read.</summary>
    SourceUnreadable,
    /// <summary>A signal (SIGINT, SIGTERM, SIGHUP) ended the build.</summary>
    Interrupted,
    /// <summary>A recipe's RUN, %post or %test command exited non-zero.</summary>
    RecipeCommandFailed,
    /// <summary>A recipe cannot be read or asks for what a build cannot do.</summary>
    RecipeInvalid,
    /// <summary>A COPY, ADD or %files source is missing or lies outside the build context.</summary>
    RecipeSourceRefused,
    /// <summary>The image cache (where a recipe build keeps its steps) cannot be made, read or written.</summary>
    CacheUnusable,
    /// <summary>A file system the build or pull writes (OUT's, the image cache's) is full, or the user's quota on it
    /// spent (ENOSPC, EDQUOT); the message names what.</summary>
    DiskFull,
    /// <summary>A recipe's RUN or %post would run programs for another CPU than this host's, which nothing here runs
    /// (<see cref="Recipe.ForeignBase"/>).</summary>
    ImageArchitecture,
}

/// <summary>A build could not be done for a reason outside the input's format: <see cref="Failure"/> says
/// which.</summary>
public sealed class ImageBuildException(string message, BuildFailure failure = BuildFailure.ToolFailed, int signal = 0)
    : Exception(message)
{
    public BuildFailure Failure { get; } = failure;

    /// <summary>For <see cref="BuildFailure.Interrupted"/>: the signal's number (2 SIGINT, 15 SIGTERM, 1
    /// SIGHUP).</summary>
    public int Signal { get; } = signal;

    /// <summary>For <see cref="BuildFailure.DiskFull"/>: the recipe step that failed on the full disk, as its own
    /// failure says it ("RUN at line 3 failed with exit status 1"); null when hpcrun's own write found it full.
    /// </summary>
    public string? FailedStep { get; init; }

    /// <summary>Writing <paramref name="what"/> (a path as messages show it, or words naming the image cache) found
    /// its file system full: <paramref name="why"/> (ENOSPC's or EDQUOT's words); after <paramref name="step"/> (its
    /// <see cref="FailedStep"/>), when a recipe's step failed there.</summary>
    public static ImageBuildException Full(string what, string why, string? step = null) =>
        new($"{(step is null ? "" : $"{step} on a full disk: ")}cannot write {what}: {why}", BuildFailure.DiskFull)
        {
            FailedStep = step,
        };

    /// <summary>ENOSPC's or EDQUOT's words when a helper program's <paramref name="line"/> says its file system is
    /// full (strerror's text, as the C locale has it: <see cref="Recipe.TreeCopy.Run"/>), else null.</summary>
    public static string? FullIn(string line) =>
        line.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) ? IoError.Describe(Libc.ENOSPC)
        : line.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase) ? IoError.Describe(Libc.EDQUOT)
        : null;

    /// <summary>A file of the source that this process may not read (EACCES); <paramref name="path"/> as messages
    /// show it.</summary>
    public static ImageBuildException Unreadable(string path, string hint = "") =>
        new($"cannot read {path}: permission denied{hint}", BuildFailure.SourceUnreadable);

    /// <summary>The build (or the pull, <paramref name="work"/>) stopped for <paramref name="signal"/>; nothing was
    /// written.</summary>
    public static ImageBuildException Interruption(int signal, string work = "build") =>
        new($"{work} interrupted by {SignalNames.Name(signal) ?? $"signal {signal}"}: nothing written",
            BuildFailure.Interrupted, signal);
}
