using System.Text;
using HpcRun.Image.Sif;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>The CPU a SIF says it is for (<see cref="ImageSource.Architecture"/>): its root partition's, which is
/// what runs, else its header's; none for a SquashFS.</summary>
public sealed class ImageArchitectureReadTests : IDisposable
{
    /// <summary>Where a descriptor's partition architecture lies: after DataType, Used, ID, GroupID, LinkedID,
    /// seven 64-bit fields, the name (128) and the partition's Fstype and Parttype.</summary>
    private const int PartitionArchAt = 4 + 1 + 4 + 4 + 4 + 7 * 8 + 128 + 8;

    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Theory]
    [InlineData("02", "02", "amd64")]
    [InlineData("04", "04", "arm64")]
    [InlineData("02", "04", "arm64")] // the partition is what runs
    [InlineData("04", "00", "arm64")] // a partition that names none: the header's
    [InlineData("00", "00", null)]
    public void A_sif_is_for_its_partitions_architecture_else_its_headers(string header, string partition,
        string? expected)
    {
        string sif = Sif(header);
        using (var file = new FileStream(sif, FileMode.Open, FileAccess.Write))
        {
            file.Position = SifWriter.DescriptorsOffset + PartitionArchAt;
            file.Write(Encoding.ASCII.GetBytes(partition));
        }
        Assert.Equal(partition, SifFile.Read(sif).PrimarySystem!.Arch);
        Assert.Equal(expected, ImageSource.Probe(sif).Architecture);
    }

    [Fact]
    public void A_squashfs_says_no_architecture()
    {
        string sqfs = sandbox.File("a.sqfs");
        TestImages.MakeSquashFs(Tree(), sqfs);
        Assert.Null(ImageSource.Probe(sqfs).Architecture);
    }

    private string Sif(string archCode)
    {
        string sif = sandbox.File($"{Guid.NewGuid():N}.sif");
        TestEnvironment.RunChecked("mksquashfs", Tree(), sif, "-noappend", "-quiet", "-no-progress", "-all-root",
            "-offset", $"{SifWriter.PartitionOffset}");
        using var file = new FileStream(sif, FileMode.Open, FileAccess.ReadWrite);
        SifWriter.Complete(file, file.Length - SifWriter.PartitionOffset, archCode, 1700000000, []);
        return sif;
    }

    private string Tree()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "hello"), "hi");
        return tree;
    }
}
