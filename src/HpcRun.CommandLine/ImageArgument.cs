using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

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
    /// <exception cref="HpcRunException">64 for an empty <paramref name="path"/> or a reference of a scheme hpcrun
    /// lacks (<see cref="UnsupportedVerbs.CheckReference"/>: docker-daemon:, library://...); 64, 65 or 66 for a
    /// transport that names nothing usable (<see cref="LocalTransports.Existing"/>); 66
    /// (<see cref="ExitCode.ImageNotFound"/>) when nothing is there or it cannot be read (a closed directory on its
    /// way named); 65 (<see cref="ExitCode.BadImage"/>) when it is not an image or is
    /// truncated (a tar that is no image archive, a compressed file: said so); 83
    /// (<see cref="ExitCode.ImageNeedsBuild"/>) for Apptainer's `docker-archive:`, `oci:` or `oci-archive:`
    /// (<see cref="LocalTransports"/>), and for a `docker save` archive or OCI layout named bare (a directory or a
    /// tar, gzip'd or not, as the build reads them: <see cref="ArchiveContent"/>).</exception>
    /// <param name="ownerInside">The caller's uid in the user namespace the launcher entered, as root of which it
    /// may read any file of the caller's (CAP_DAC_OVERRIDE over the ids it maps): an image the caller owns whose
    /// owner bits deny reading it (chmod 000) is then refused here (66), as the kernel refuses it to the caller
    /// outside (inspect, build), from the statx that tells the image's type; null outside such a namespace, where
    /// the kernel checks.</param>
    /// <summary>The line for an image argument given as "".</summary>
    public const string EmptyLine =
        "the image argument is empty: name an image file or directory, or a docker:// reference";

    public static ImageSource Probe(string path, int? ownerInside = null)
    {
        if (path.Length == 0) // `hpcrun "" CMD`, an unset variable's "$IMAGE": no name to look for
            throw new HpcRunException(ExitCode.Usage, EmptyLine);
        UnsupportedVerbs.CheckReference(path);
        LocalTransports.Existing(path);
        LocalTransports.Check(path, Path.Exists);
        int fd = Libc.TryOpen(path, Libc.O_PATH | Libc.O_CLOEXEC, out int errno);
        if (fd < 0)
            throw errno == Libc.EACCES ? Unreadable(path, ownerInside)
                : new HpcRunException(ExitCode.ImageNotFound, $"image not found: {Shown.Path(path)}");
        string pinned = $"/proc/self/fd/{fd}", name = RealPath.Resolve(pinned) ?? path;
        Libc.Statx? stat = Libc.StatFollowing(new SafeFileHandle(fd, ownsHandle: false), "");
        int type = stat is { } known ? (int)known.Type : -1;
        if (type is not (PosixFile.Directory or PosixFile.Regular))
            throw new HpcRunException(ExitCode.BadImage,
                $"{Shown.Path(path)}: not an image: neither a directory nor a SquashFS or SIF file");
        // Inside the launcher's namespace the kernel lets the caller through their own closed directories too.
        if ((int)stat!.Value.Uid == ownerInside && !OwnerMayRead(stat.Value)
            || type == PosixFile.Directory && !PosixFile.CanEnter(pinned)
            || ownerInside is not null && PosixFile.ClosedDirectoryAbove(path, ownerInside) is not null)
            throw Unreadable(path, ownerInside);
        if (type == PosixFile.Directory && ArchiveContent.IsLayoutDirectory(pinned)) // no root file system's
            throw new HpcRunException(ExitCode.ImageNeedsBuild, LocalTransports.BuildFirst(path, path, Path.Exists));
        if (type == PosixFile.Directory && ArchiveContent.IsOldDockerSave(pinned))
            throw new HpcRunException(ExitCode.BadImage, ArchiveContent.OldDockerSave(Shown.Path(path)));
        try { return ImageSource.Probe(pinned) with { Name = name, AsTyped = path }; }
        catch (ImageFormatException e)
        {
            ArchiveKind kind = LocalTransports.Content(pinned, Shown.Path(path));
            if (kind == ArchiveKind.ImageArchive)
            {
                throw new HpcRunException(ExitCode.ImageNeedsBuild,
                    LocalTransports.BuildFirst(path, path, Path.Exists));
            }
            if (kind == ArchiveKind.OldDockerSave)
                throw new HpcRunException(ExitCode.BadImage, ArchiveContent.OldDockerSave(Shown.Path(path)));
            throw new HpcRunException(ExitCode.BadImage, NoImage(path, kind) is (var what, var advice)
                ? $"{Shown.Path(path)}: {what} ({advice})" : $"{Shown.Path(path)}: {e.Message}{RecipeAdvice(path)}");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new HpcRunException(ExitCode.ImageNotFound, $"image not readable: {Shown.Path(path)}"); }
    }

    /// <summary>What the file at <paramref name="path"/>, no image, is when it is a tar that is no image archive (or
    /// one of a format too old) or a compressed file (<paramref name="kind"/>), and what to do with it: a launch says
    /// "PATH: WHAT (ADVICE)", doctor fails with WHAT and ADVICE as its fix. Null for another file, which the probe's
    /// words say.</summary>
    public static (string What, string Advice)? NoImage(string path, ArchiveKind kind) => kind switch
    {
        ArchiveKind.OtherTar => ("a tar archive that is neither a docker save archive nor an OCI layout, which " +
            "hpcrun build reads, nor an image, which is a directory, a SquashFS or a SIF",
            "a root file system's tar: unpack it into a directory"),
        // xz and zstd are not looked into (the launcher carries no decompressor of theirs): the build can tell.
        ArchiveKind.Compressed => ("compressed, not an image", "if it is a docker save archive or an OCI layout: " +
            LocalTransports.BuildThenRun(path, path, Path.Exists)),
        ArchiveKind.OldDockerSave => (ArchiveContent.OldDockerSaveFormat, ArchiveContent.OldDockerSaveAdvice),
        _ => null,
    };

    /// <summary>The refusal of <paramref name="path"/>, which the caller may not read, naming the directory on its
    /// path that they may not enter when that is why (<see cref="PosixFile.ClosedDirectoryAbove"/>).</summary>
    private static HpcRunException Unreadable(string path, int? ownerInside) =>
        new(ExitCode.ImageNotFound, $"image not readable: {Shown.Path(path)}" +
            (PosixFile.ClosedDirectoryAbove(path, ownerInside) is { } closed
                ? $": the directory {Shown.Path(closed)} on its path cannot be entered" : ""));

    /// <summary>Whether the owner bits of <paramref name="image"/> let its owner read it: a file's r, a directory's r
    /// and x (listed and entered).</summary>
    private static bool OwnerMayRead(Libc.Statx image)
    {
        int needed = image.Type == Libc.S_IFDIR ? 0x140 /* 0500 */ : 0x100 /* 0400 */;
        return (image.Mode & needed) == needed;
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
