using System.Text;
using HpcRun.Image.Inspect;
using HpcRun.Image.Sif;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>The CPU a SIF says it is for (<see cref="SifFile.PrimaryArchitecture"/>): its primary partition's, which
/// is what runs and what Apptainer reads, never its header's; none for a SquashFS. Every reader takes that one:
/// the launch's check (<see cref="ImageSource.Architecture"/>, doctor's too), inspect and a build from the
/// SIF.</summary>
public sealed class ImageArchitectureReadTests : IDisposable
{
    /// <summary>Where a descriptor's partition architecture lies: after DataType, Used, ID, GroupID, LinkedID,
    /// seven 64-bit fields, the name (128) and the partition's Fstype and Parttype.</summary>
    private const int PartitionArchAt = 4 + 1 + 4 + 4 + 4 + 7 * 8 + 128 + 8;

    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;

    public void Dispose() => building.Dispose();

    [Theory]
    [InlineData("02", "02", "amd64")]
    [InlineData("04", "04", "arm64")]
    [InlineData("02", "04", "arm64")] // the partition is what runs
    [InlineData("04", "02", "amd64")]
    [InlineData("04", "00", null)] // a partition that names none says none: the header is not read
    [InlineData("00", "00", null)]
    public void A_sif_is_for_its_partitions_architecture_whatever_its_header_says(string header, string partition,
        string? expected)
    {
        string sif = Sif(header, partition);
        Assert.Equal((header, partition), (SifFile.Read(sif).Header.Arch, SifFile.Read(sif).PrimarySystem!.Arch));
        Assert.Equal(expected, SifFile.Read(sif).PrimaryArchitecture);
        Assert.Equal(expected, ImageSource.Probe(sif).Architecture);
        Assert.Equal(expected, ImageInspector.Inspect(sif).Architecture);
    }

    [Theory]
    [InlineData("02", "04", "arm64")]
    [InlineData("04", "02", "amd64")]
    public void A_sif_built_from_such_a_sif_is_for_its_partitions_architecture(string header, string partition,
        string expected)
    {
        string copy = building.Build(Sif(header, partition), "copy.sif");
        Assert.Equal((expected, expected), (SifArch.Name(SifFile.Read(copy).Header.Arch),
            ImageSource.Probe(copy).Architecture));
    }

    [Fact]
    public void A_sif_without_a_primary_partition_says_no_architecture_whatever_its_header_says()
    {
        SifFile json = SifFile.Read(SifTestData.File("one-object-generic-json.sif"));
        Assert.Null(json.PrimarySystem);
        Assert.Null(json.PrimaryArchitecture);
    }

    [Fact]
    public void A_squashfs_says_no_architecture()
    {
        string sqfs = sandbox.File("a.sqfs");
        TestImages.MakeSquashFs(Tree(), sqfs);
        Assert.Null(ImageSource.Probe(sqfs).Architecture);
    }

    /// <summary>A runnable SIF whose header names <paramref name="headerCode"/> and whose primary partition names
    /// <paramref name="partitionCode"/>.</summary>
    private string Sif(string headerCode, string partitionCode)
    {
        string sif = sandbox.File($"{Guid.NewGuid():N}.sif");
        TestEnvironment.RunChecked("mksquashfs", Tree(), sif, "-noappend", "-quiet", "-no-progress", "-all-root",
            "-offset", $"{SifWriter.PartitionOffset}");
        using var file = new FileStream(sif, FileMode.Open, FileAccess.ReadWrite);
        SifWriter.Complete(file, file.Length - SifWriter.PartitionOffset, headerCode, 1700000000, []);
        file.Position = SifWriter.DescriptorsOffset + PartitionArchAt;
        file.Write(Encoding.ASCII.GetBytes(partitionCode));
        return sif;
    }

    private string Tree()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "hello"), "hi");
        return tree;
    }
}
