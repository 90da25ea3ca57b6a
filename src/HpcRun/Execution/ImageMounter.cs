using HpcRun.Image;
using HpcRun.Launch;

namespace HpcRun.Execution;

/// <summary>
/// Puts the image at <see cref="Staging.Lower"/> (a SquashFS through squashfuse_ll, never
/// extracted; a directory by a bind) and an overlay on it at <see cref="Staging.Root"/>, whose
/// tmpfs upper layer lets hpcrun create missing mount targets and, with --writable-tmpfs,
/// gives the job a throwaway writable root.
/// </summary>
internal static class ImageMounter
{
    public const string FuseTool = "squashfuse_ll";

    /// <summary>Mounts the image at <see cref="Staging.Lower"/>; returns the FUSE daemon, if any.</summary>
    public static ChildProcess? MountLower(ImageSource image, IdMap ids)
    {
        if (image.Kind != ImageKind.Directory) return MountSquashFs(image, ids);
        Syscalls.Mount(Staging.HostPath(image.Path), Staging.Lower, null, Syscalls.MS_BIND | Syscalls.MS_REC);
        return null;
    }

    /// <summary>The overlay is the first access to the image: a daemon that could not read it fails here.</summary>
    public static void MountRoot() =>
        Syscalls.Mount("hpcrun", Staging.Root, "overlay", 0, $"lowerdir={Staging.Lower},upperdir={Staging.Upper},workdir={Staging.Work}");

    /// <summary>hpcrun mounts the FUSE file system itself and hands squashfuse_ll the connection
    /// (/dev/fd/N): the mount is ready when mount(2) returns, with no polling.</summary>
    private static ChildProcess MountSquashFs(ImageSource image, IdMap ids)
    {
        int fuse = Syscalls.Open("/dev/fuse", Syscalls.O_RDWR); // inherited by the daemon only
        try
        {
            Syscalls.Mount(image.Path, Staging.Lower, "fuse.squashfuse", Syscalls.MS_RDONLY | Syscalls.MS_NOSUID | Syscalls.MS_NODEV,
                $"fd={fuse},rootmode=40000,user_id={ids.InsideUid},group_id={ids.InsideGid}");
            var args = new List<string> { FuseTool, "-f" };
            if (image.Offset > 0) args.AddRange(["-o", $"offset={image.Offset}"]);
            args.AddRange([Staging.HostPath(image.Path), $"/dev/fd/{fuse}"]);
            return ChildProcess.Start(args, System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .Select(e => KeyValuePair.Create((string)e.Key, (string?)e.Value ?? "")), captureStderr: true);
        }
        finally { Syscalls.Close(fuse); }
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
