using HpcRun.Image;

namespace HpcRun.Cli;

/// <summary>The image a command line names, probed as `hpcrun run` probes it, with run's statuses and words
/// (README, "Supervision and exit status"; the mapping of Execution/Executor.cs, which may call this one).</summary>
internal static class ImageArgument
{
    /// <summary>Recognises the image at <paramref name="path"/> (a directory, or a complete SquashFS or SIF file:
    /// <see cref="ImageSource.Probe"/>).</summary>
    /// <exception cref="HpcRunException">66 (<see cref="ExitCode.ImageNotFound"/>) when nothing is there or it cannot
    /// be read; 65 (<see cref="ExitCode.BadImage"/>) when it is not an image or is truncated.</exception>
    public static ImageSource Probe(string path)
    {
        try { return ImageSource.Probe(path); }
        catch (FileNotFoundException) { throw new HpcRunException(ExitCode.ImageNotFound, $"image not found: {path}"); }
        catch (ImageFormatException e) { throw new HpcRunException(ExitCode.BadImage, $"{path}: {e.Message}"); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new HpcRunException(ExitCode.ImageNotFound, $"image not readable: {path}"); }
    }
}
