using HpcRun.Build.Recipe;

namespace HpcRun.Build;

/// <summary>
/// Reads every block of a SquashFS file system, its tables and each file's data and fragments, decompressing them
/// and writing nothing: what unsquashfs does when it writes a pseudo file of an image to /dev/null (`-pf`,
/// squashfs-tools 4.5, on as many cores as it finds). A build that copies a file system byte for byte
/// (<see cref="ImageCopy"/>) checks it so, since SquashFS keeps no checksums and a damaged data block is otherwise
/// found only by the job that reads it. About a second for each 100 MiB of image, most of it decompressing.
/// </summary>
internal static class SquashFsCheck
{
    /// <summary>Reads all of the file system at <paramref name="offset"/> in <paramref name="image"/> (named
    /// <paramref name="shown"/> in messages).</summary>
    /// <exception cref="HpcRun.Image.ImageFormatException">A block cannot be read or decompressed: a damaged
    /// image, the file it holds named.</exception>
    /// <exception cref="ImageBuildException">unsquashfs failed otherwise.</exception>
    public static void Run(string image, long offset, string shown, CancellationToken cancel)
    {
        (int status, string errors) = TreeCopy.Run("unsquashfs",
            ["-no-progress", "-quiet", "-offset", $"{offset}", "-pf", "/dev/null", image], cancel, check: false);
        UnsquashfsErrors.CheckRead(status, errors, shown);
    }
}
