using System.Runtime.InteropServices;
using HpcRun.Apply.SquashFuse;
using HpcRun.Image;
using HpcRun.Launch;
using HpcRun.Native;

namespace HpcRun.Apply;

/// <summary>
/// Puts the image at <see cref="Staging.Lower"/> (a SquashFS served by libsquashfuse_ll, never
/// extracted; a directory by a bind) and the container's root at <see cref="Staging.Root"/>: an
/// overlay on the image, whose tmpfs upper layer lets hpcrun create missing mount targets and, with
/// --writable-tmpfs, gives the job a throwaway writable root; or, when the plan needs neither, the
/// image itself. The image is mounted first, detached (the new mount API), so that it is ready
/// while hpcrun still reads the host's facts, and attached once the staging area exists.
/// </summary>
internal static class ImageMounter
{
    /// <summary>The image as a detached mount (an fd), which a SquashFS image's FUSE server
    /// makes on its own thread while hpcrun goes on.</summary>
    public sealed class Detached(Func<int> mountFd)
    {
        public int MountFd => mountFd();
    }

    public static Detached Mount(ImageSource image, IdMap ids)
    {
        if (image.Kind == ImageKind.Directory)
        {
            int tree = Syscalls.CloneTree(image.Path);
            return new Detached(() => tree);
        }
        SquashFuseServer.ServingThread server = SquashFuseServer.Start(image, ids);
        return new Detached(() => server.MountFd);
    }

    /// <summary>Attaches the image at <see cref="Staging.Lower"/>: first use of a SquashFS
    /// image's mount, where its errors (missing library, bad image, no FUSE) surface.</summary>
    public static void Attach(Detached image)
    {
        int mount = image.MountFd;
        try { Syscalls.AttachTree(mount, Staging.Lower); }
        finally { Syscalls.Close(mount); }
    }

    /// <summary>Puts the container's root at <see cref="Staging.Root"/>: the overlay
    /// (<see cref="ContainerPlan.RootOverlay"/>), or else a bind of the image itself, which leaves
    /// <see cref="Staging.Lower"/> as it is for the node's other ranks to plan from.</summary>
    /// <exception cref="HpcRunException">71 (<see cref="ExitCode.SetupFailed"/>): the mount failed; for a directory
    /// image with file systems mounted below it, a line that says so (the overlay cannot take it).</exception>
    public static void MountRoot(bool overlay, ImageSource image)
    {
        if (!overlay)
        {
            Syscalls.Mount(Staging.Lower, Staging.Root, null, Syscalls.MS_BIND | Syscalls.MS_REC); // and its mounts
            return;
        }
        string options = $"lowerdir={Staging.Lower},upperdir={Staging.Upper},workdir={Staging.Work}";
        int errno = Syscalls.TryMount("hpcrun", Staging.Root, "overlay", 0, options);
        if (errno == 0) return;
        // In a user namespace the kernel will not take a lower layer whose inherited mounts it would have to drop.
        if (errno == (int)Errno.EINVAL && image.Kind == ImageKind.Directory && MountsBelow(image.Name) is { } below)
            throw new HpcRunException(ExitCode.SetupFailed,
                $"{image.Name}: a directory image with a file system mounted below it ({below}) cannot take the " +
                "overlay this launch needs (for --writable-tmpfs, --fakeroot or mount points the image lacks): " +
                "unmount it, or run an image file made from the directory (hpcrun build)");
        throw new SetupException($"mount overlay hpcrun on {Staging.Root}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>The first mount point strictly below <paramref name="directory"/> (its canonical path) in this mount
    /// namespace's /proc/self/mountinfo (proc(5): the fifth field, octal escapes for spaces and such); null when
    /// there is none.</summary>
    private static string? MountsBelow(string directory)
    {
        string prefix = directory.TrimEnd('/') + "/";
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
            if (line.Split(' ') is { Length: > 4 } fields && Unescape(fields[4]) is { } point
                && point.StartsWith(prefix, StringComparison.Ordinal))
                return point;
        return null;
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
