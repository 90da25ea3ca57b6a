using System.CommandLine;
using HpcRun.Image.Formats;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>--mksquashfs-args "ARGS" of build and pull (Apptainer's), or when it is not given HPCRUN_MKSQUASHFS_ARGS,
/// which the launcher sets from the site's mksquashfs-args unless the user has (README, "Compression").</summary>
internal static class MksquashfsOption
{
    public static Option<string?> Create() => new("--mksquashfs-args")
    {
        Description = "More arguments for mksquashfs, split on white space: how to compress the image " +
            "(default -comp gzip -Xcompression-level 3; e.g. \"-comp xz\" for a smaller image)",
    };

    /// <summary>The arguments, checked (<see cref="MksquashfsArgs.Parse"/>); none when neither gives any.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>): arguments hpcrun does not pass on.
    /// </exception>
    public static IReadOnlyList<string> Arguments(ParseResult result, Option<string?> option)
    {
        (string? text, string origin) = result.GetValue(option) is { } given ? (given, option.Name)
            : (Environment.GetEnvironmentVariable(MksquashfsArgs.Variable), MksquashfsArgs.Variable);
        try { return MksquashfsArgs.Parse(text ?? ""); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.Usage, $"{origin}: {e.Message}"); }
    }
}
