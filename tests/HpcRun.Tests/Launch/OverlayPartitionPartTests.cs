using HpcRun.Image;
using HpcRun.Image.Sif;
using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class OverlayPartitionPartTests
{
    private static SifDescriptor Partition(SifFsType fs, SifPartType part, long size) => new()
    {
        DataType = SifDataType.Partition,
        Id = 2,
        Size = size,
        Extra = SifDescriptor.PartitionExtra(fs, part, "02"),
    };

    [Fact]
    public void Each_overlay_partition_of_a_sif_is_one_warning_and_the_image_still_runs()
    {
        var image = new ImageSource("/images/app.sif", ImageKind.Sif)
        {
            Overlays = [Partition(SifFsType.Ext3, SifPartType.Overlay, 64L << 20),
                Partition(SifFsType.Squashfs, SifPartType.Overlay, 3 << 10)],
        };
        ContainerPlan plan = PlanFixture.Plan(PlanFixture.Context() with { Image = image });
        Assert.Equal(["/images/app.sif has an overlay partition (ext3, 64.0 MiB) that hpcrun does not mount, as " +
            "Apptainer would: the files written into it are not in the container; put them in the image itself (a " +
            "recipe's COPY or %files) to have them here", "/images/app.sif has an overlay partition (SquashFS, 3.0 " +
            "KiB) that hpcrun does not mount, as Apptainer would: the files written into it are not in the " +
            "container; put them in the image itself (a recipe's COPY or %files) to have them here"],
            plan.Messages.Where(m => m.Level == MessageLevel.Warning).Select(m => m.Text));
        Assert.Equal("/images/app.sif", plan.Image.Path);
    }

    [Fact]
    public void An_image_without_one_gets_no_word() =>
        Assert.Empty(PlanFixture.Plan(PlanFixture.Context()).Messages);
}
