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
    public static void MountRoot(bool overlay)
    {
        if (overlay)
            Syscalls.Mount("hpcrun", Staging.Root, "overlay", 0,
                $"lowerdir={Staging.Lower},upperdir={Staging.Upper},workdir={Staging.Work}");
        else Syscalls.Mount(Staging.Lower, Staging.Root, null, Syscalls.MS_BIND | Syscalls.MS_REC); // and its mounts
    }
}
