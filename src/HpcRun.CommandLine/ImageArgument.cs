using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>The image a command line names, probed as `hpcrun run` and `hpcrun submit` need it, with run's
/// statuses and words (README, "Supervision and exit status").</summary>
public static class ImageArgument
{
    /// <summary>Recognises the image at <paramref name="path"/> (a directory, or a complete SquashFS or SIF file:
    /// <see cref="ImageSource.Probe"/>), pinned: opened once by that path and read through the descriptor from
    /// then on, so it stays the host's file whatever hpcrun mounts privately (its staging area covers /tmp,
    /// where sites stage images) and whenever the serving thread opens it. The result's
    /// <see cref="ImageSource.Path"/> is the descriptor's /proc/self/fd path, its <see cref="ImageSource.Name"/>
    /// the image's canonical path and its <see cref="ImageSource.AsTyped"/> <paramref name="path"/>. Nothing but a
    /// directory or a regular file is opened (a FIFO would block).</summary>
    /// <exception cref="HpcRunException">64, 65 or 66 for a transport that names nothing usable
    /// (<see cref="LocalTransports.Existing"/>); 66 (<see cref="ExitCode.ImageNotFound"/>) when nothing is there or it
    /// cannot be read; 65 (<see cref="ExitCode.BadImage"/>) when it is not an image or is truncated; 83
    /// (<see cref="ExitCode.ImageNeedsBuild"/>) for Apptainer's `docker-archive:`, `oci:` or `oci-archive:`
    /// (<see cref="LocalTransports"/>).</exception>
    public static ImageSource Probe(string path)
    {
        LocalTransports.Existing(path);
        LocalTransports.Check(path, Path.Exists);
        int fd = Libc.TryOpen(path, Libc.O_PATH | Libc.O_CLOEXEC, out int errno);
        if (fd < 0)
            throw new HpcRunException(ExitCode.ImageNotFound,
                $"{(errno == Libc.EACCES ? "image not readable" : "image not found")}: {Shown.Path(path)}");
        string pinned = $"/proc/self/fd/{fd}", name = RealPath.Resolve(pinned) ?? path;
        int type = PosixFile.Type("", fd);
        if (type is not (PosixFile.Directory or PosixFile.Regular))
            throw new HpcRunException(ExitCode.BadImage,
                $"{Shown.Path(path)}: not an image: neither a directory nor a SquashFS or SIF file");
        if (type == PosixFile.Directory && !PosixFile.CanEnter(pinned))
            throw new HpcRunException(ExitCode.ImageNotFound, $"image not readable: {Shown.Path(path)}");
        // An OCI layout has these at its top, a root file system never does: it is no directory image.
        if (type == PosixFile.Directory && PosixFile.IsRegular($"{pinned}/oci-layout")
            && PosixFile.IsRegular($"{pinned}/index.json"))
            throw new HpcRunException(ExitCode.ImageNeedsBuild, LocalTransports.BuildFirst(path, path));
        try { return ImageSource.Probe(pinned) with { Name = name, AsTyped = path }; }
        catch (ImageFormatException e)
        {
            if (IsTar(pinned)) // `docker save`'s, or an OCI layout's
                throw new HpcRunException(ExitCode.ImageNeedsBuild, LocalTransports.BuildFirst(path, path));
            throw new HpcRunException(ExitCode.BadImage, $"{Shown.Path(path)}: {e.Message}{RecipeAdvice(path)}");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new HpcRunException(ExitCode.ImageNotFound, $"image not readable: {Shown.Path(path)}"); }
    }

    /// <summary>Whether the file at <paramref name="path"/> is a tar archive (POSIX's "ustar" magic at 257, GNU's
    /// too).</summary>
    private static bool IsTar(string path)
    {
        Span<byte> head = stackalloc byte[262];
        return Libc.ReadStart(path, head) == head.Length && head[257..].SequenceEqual("ustar"u8);
    }

    /// <summary>For a file named as a recipe (X.def, Dockerfile, Containerfile), the command that builds it.</summary>
    private static string RecipeAdvice(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".def", StringComparison.Ordinal)
            || name.StartsWith("Dockerfile", StringComparison.Ordinal)
            || name.StartsWith("Containerfile", StringComparison.Ordinal)
            ? $" (a recipe: build it with `hpcrun build OUT.sif {Shown.Path(path)}`)" : "";
    }
}
