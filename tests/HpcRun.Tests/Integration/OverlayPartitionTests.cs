using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>A SIF with an overlay partition (`apptainer overlay create --size 1 IMG.sif` adds an ext3 one, which
/// Apptainer mounts over the image) ran without it and without a word: what the user had written into the overlay was
/// silently missing. hpcrun cannot mount ext3 unprivileged; the launch now runs the image and says so once.</summary>
[Collection(ContainerCollection.Name)]
public class OverlayPartitionTests
{
    private const int OverlaySize = 1 << 20;

    /// <summary>busybox's tree in a SIF whose second object is a 1 MiB ext3 overlay partition, as Apptainer writes its
    /// descriptor (the data itself is not read).</summary>
    private static string SifWithOverlay() => BusyboxSif.Make("busybox-with-overlay.sif", "amd64",
        [new SifObject(SifDataType.Partition, "overlay", new byte[OverlaySize])], file =>
        {
            file.Position = SifWriter.DescriptorsOffset + SifDescriptor.EncodedSize + 201; // the second's extra bytes
            file.Write(SifDescriptor.PartitionExtra(SifFsType.Ext3, SifPartType.Overlay, SifArch.Code("amd64")));
        });

    [Fact]
    public void A_sif_with_an_overlay_partition_runs_without_it_and_says_so()
    {
        string image = SifWithOverlay();
        var run = Hpcrun.Run(image, "/bin/echo", "ran");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("ran\n", run.Stdout);
        Assert.Equal($"hpcrun: warning: {image} has an overlay partition (ext3, 1.0 MiB) that hpcrun does not mount, " +
            "as Apptainer would: the files written into it are not in the container; put them in the image itself " +
            "(a recipe's COPY or %files) to have them here\n", run.Stderr);
        Assert.Contains("Partition Ext3 Overlay amd64", Hpcrun.Run("inspect", image).Stdout);
        LeakCheck.AssertNothingLeft();
    }
}
