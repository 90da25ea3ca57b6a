using HpcRun.Image;
using HpcRun.Launch;

namespace HpcRun.Execution;

/// <summary>
/// Puts the image at <see cref="Staging.Lower"/> (a SquashFS through squashfuse_ll, never
/// extracted; a directory by a bind) and an overlay on it at <see cref="Staging.Root"/>, whose
/// tmpfs upper layer lets hpcrun create missing mount targets and, with --writable-tmpfs,
/// gives the job a throwaway writable root. The image is mounted first, detached (the new
/// mount API), so that the FUSE daemon starts while hpcrun still reads the host's facts, and
/// attached once the staging area exists.
/// </summary>
internal static class ImageMounter
{
    public const string FuseTool = "squashfuse_ll";

    /// <summary>The image as a detached mount (an fd), and its FUSE daemon if any.</summary>
    public sealed record Detached(int MountFd, ChildProcess? Daemon);

    public static Detached Mount(ImageSource image, IdMap ids) =>
        image.Kind == ImageKind.Directory ? new Detached(Syscalls.CloneTree(image.Path), null) : MountSquashFs(image, ids);

    /// <summary>Attaches the image at <see cref="Staging.Lower"/>.</summary>
    public static void Attach(Detached image)
    {
        try { Syscalls.AttachTree(image.MountFd, Staging.Lower); }
        finally { Syscalls.Close(image.MountFd); }
    }

    /// <summary>The overlay is the first access to the image: a daemon that could not read it fails here.</summary>
    public static void MountRoot() =>
        Syscalls.Mount("hpcrun", Staging.Root, "overlay", 0, $"lowerdir={Staging.Lower},upperdir={Staging.Upper},workdir={Staging.Work}");

    /// <summary>hpcrun mounts the FUSE file system itself and hands squashfuse_ll the connection
    /// (/dev/fd/N): the mount is ready when it is created, with no polling. The daemon gets the
    /// image as a descriptor too: its path may be under /tmp, which the staging area covers.</summary>
    private static Detached MountSquashFs(ImageSource image, IdMap ids)
    {
        int fuse = Syscalls.Open("/dev/fuse", Syscalls.O_RDWR); // both inherited by the daemon only
        int file = Syscalls.Open(image.Path, Syscalls.O_RDONLY);
        try
        {
            int mount = Syscalls.DetachedFuseMount(image.Path, "squashfuse", fuse, ids.InsideUid, ids.InsideGid);
            var args = new List<string> { FuseTool, "-f" };
            if (image.Offset > 0) args.AddRange(["-o", $"offset={image.Offset}"]);
            args.AddRange([$"/dev/fd/{file}", $"/dev/fd/{fuse}"]);
            var daemon = ChildProcess.Start(args, System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .Select(e => KeyValuePair.Create((string)e.Key, (string?)e.Value ?? "")), captureStderr: true);
            return new Detached(mount, daemon);
        }
        finally
        {
            Syscalls.Close(fuse);
            Syscalls.Close(file);
        }
    }

    /// <summary>Checks the host can serve a SquashFS image, before anything is mounted.</summary>
    public static void CheckFuse(ImageSource image)
    {
        if (image.Kind == ImageKind.Directory) return;
        if (!ExecutableSearch.OnPath(FuseTool))
            throw new HpcRunException(ExitCode.MissingTool, $"{FuseTool} not found: install the squashfuse package (Debian/Ubuntu: apt install squashfuse)");
        if (!File.Exists("/dev/fuse"))
            throw new HpcRunException(ExitCode.FuseUnavailable, "/dev/fuse does not exist: load the fuse kernel module (modprobe fuse)");
        // FileShare.ReadWrite: .NET would otherwise flock the device, and ranks starting together would collide.
        try { using var _ = File.Open("/dev/fuse", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite); }
        catch (UnauthorizedAccessException)
        {
            throw new HpcRunException(ExitCode.FuseUnavailable, "/dev/fuse is not accessible: it must be mode 0666 (chmod 0666 /dev/fuse)");
        }
    }
}
