using System.CommandLine;
using HpcRun.Build;
using HpcRun.Image.Formats;
using HpcRun.Launch;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>--mksquashfs-args "ARGS" of build and pull (Apptainer's), or when it is not given HPCRUN_MKSQUASHFS_ARGS,
/// else Apptainer's APPTAINER_MKSQUASHFS_ARGS (or SINGULARITY_'s); the launcher sets HPCRUN_MKSQUASHFS_ARGS from the
/// site's mksquashfs-args unless the user has set one of them (README, "Compression").</summary>
internal static class MksquashfsOption
{
    public static Option<string?> Create() => new("--mksquashfs-args")
    {
        Description = "More arguments for mksquashfs, split on white space: how to compress the image " +
            "(default -comp gzip -Xcompression-level 3; e.g. \"-comp xz\" for a smaller image)",
    };

    /// <summary>The arguments, checked (<see cref="MksquashfsArgs.Parse"/>, then by mksquashfs itself:
    /// <see cref="MksquashfsTrial"/>); none when neither gives any.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>): arguments hpcrun does not pass on, or a
    /// value mksquashfs refuses.</exception>
    public static IReadOnlyList<string> Arguments(ParseResult result, Option<string?> option)
    {
        (string? text, string origin) = result.GetValue(option) is { } given ? (given, option.Name)
            : Environment.GetEnvironmentVariable(MksquashfsArgs.Variable) is { Length: > 0 } hpcruns
                ? (hpcruns, MksquashfsArgs.Variable)
            : ApptainerVariables.Find(Environment.GetEnvironmentVariable, MksquashfsArgs.ApptainerKey) is { } apptainers
                ? (apptainers.Value, apptainers.Name) : (null, "");
        IReadOnlyList<string> args;
        try { args = MksquashfsArgs.Parse(text ?? ""); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.Usage, $"{origin}: {e.Message}"); }
        return MksquashfsTrial.Refusal(args) is { } refused
            ? throw new HpcRunException(ExitCode.Usage, $"{origin} \"{text}\": {refused}") : args;
    }
}
