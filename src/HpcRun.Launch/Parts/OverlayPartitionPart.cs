using HpcRun.Image;
using HpcRun.Image.Sif;
using HpcRun.Image.Text;

namespace HpcRun.Launch.Parts;

/// <summary>
/// A SIF's overlay partition (`apptainer overlay create --size N IMG.sif` adds an ext3 one, which Apptainer mounts
/// over the root file system, read-only unless --writable) is not mounted by hpcrun: an unprivileged process can
/// mount no ext3. The image runs without it, and a warning says so: what the user put in it is not in the container.
/// </summary>
public sealed class OverlayPartitionPart : ILaunchPart
{
    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        foreach (SifDescriptor overlay in context.Image.Overlays) plan.Warn(NotMounted(context.Image, overlay));
    }

    /// <summary>The warning for <paramref name="overlay"/> of <paramref name="image"/>.</summary>
    public static string NotMounted(ImageSource image, SifDescriptor overlay) =>
        $"{Shown.Path(image.Name)} has an overlay partition ({FileSystem(overlay.FsType)}, " +
        $"{ByteSize.Text(overlay.Size)}) that hpcrun does not mount, as Apptainer would: the files written into it " +
        "are not in the container; put them in the image itself (a recipe's COPY or %files) to have them here";

    private static string FileSystem(SifFsType? type) => type switch
    {
        SifFsType.Ext3 => "ext3",
        SifFsType.Squashfs => "SquashFS",
        { } other => other.ToString(),
        null => "unknown",
    };
}
