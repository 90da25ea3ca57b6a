using HpcRun.Apply;
using HpcRun.Apply.SquashFuse;
using HpcRun.Image.Posix;

namespace HpcRun.Doctor;

/// <summary>How doctor's trial launch of an image ended when the image did not run: the launch's exit status and
/// the line that says why (the damaged-image line when the launch said one, else its first).</summary>
public sealed record LaunchFailure(int Status, string Line)
{
    /// <summary>The launch said that the image's bytes are wrong: it stopped at a corrupt image (65), a block did
    /// not decompress, or reading it failed with EIO. Only another copy of the image helps.</summary>
    public bool Damaged => Status == (int)ExitCode.BadImage || Line.Contains(DeflateBlocks.DamagedWords)
        || Line.Contains(Libc.Describe(Libc.EIO));

    /// <summary>The kernel refused to run the image's shell as a program for another machine (ENOEXEC).</summary>
    public bool ForAnotherMachine => Line.Contains(ChildProcess.ExecFormatError);

    /// <summary>The image has no <paramref name="shell"/>, which the trial launch started: a distroless image,
    /// whose container started all the same.</summary>
    public bool Lacks(string shell) =>
        Status == (int)ExitCode.CommandNotFound && Line.EndsWith($" {shell}: {ChildProcess.NotInImage}");

    /// <summary>The failure of a launch that ended with <paramref name="status"/> and wrote
    /// <paramref name="stderr"/>.</summary>
    public static LaunchFailure Of(int status, string stderr)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new(status, lines.FirstOrDefault(l => l.Contains(DeflateBlocks.DamagedWords))
            ?? lines.FirstOrDefault() ?? "");
    }

    public override string ToString() => $"exit {Status}{(Line.Length == 0 ? "" : $": {Line}")}";
}
