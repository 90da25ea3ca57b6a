using HpcRun.Image.Sif;

namespace HpcRun.Image.Tests;

public class SifReaderTests
{
    public static TheoryData<string> Vectors => [.. SifTestData.All.Select(f => Path.GetFileName(f))];

    [Theory, MemberData(nameof(Vectors))]
    public void Every_reference_vector_parses(string name)
    {
        SifFile sif = SifFile.Read(SifTestData.File(name));
        Assert.Equal("01", sif.Header.Version);
        Assert.Equal(48, sif.Header.DescriptorsTotal);
        Assert.Equal(sif.Header.DescriptorsTotal - sif.Header.DescriptorsFree, sif.Objects.Count);
    }

    [Fact]
    public void Empty_files_hold_no_objects_and_keep_their_id_and_launch_script()
    {
        SifFile empty = SifFile.Read(SifTestData.File("empty.sif"));
        Assert.Empty(empty.Objects);
        Assert.Equal(32176, empty.Header.DataOffset);
        Assert.Equal("unknown", SifArch.Name(empty.Header.Arch));
        Assert.Null(SifText.Date(empty.Header.CreatedAt)); // Go's zero time: unset
        Assert.Equal(Guid.Parse("3fa802cc-358b-45e3-bcc0-69dc7a45f9f8"),
            SifFile.Read(SifTestData.File("empty-id.sif")).Header.Id);
        Assert.Equal("#!/usr/bin/env run-script\n",
            SifFile.Read(SifTestData.File("empty-launch-script.sif")).Header.LaunchScript);
    }

    [Fact]
    public void One_group_has_a_raw_system_and_a_squashfs_primary_partition()
    {
        SifFile sif = SifFile.Read(SifTestData.File("one-group.sif"));
        Assert.Equal("386", SifArch.Name(sif.Header.Arch));
        Assert.Collection(sif.Objects,
            raw =>
            {
                Assert.Equal((SifDataType.Partition, 1u, 1u, SifFsType.Raw, SifPartType.System, "01"),
                    (raw.DataType, raw.Id, raw.GroupId, raw.FsType, raw.PartType, raw.Arch));
                Assert.Equal((32768L, 4L), (raw.Offset, raw.Size));
            },
            primary =>
            {
                Assert.Equal((SifFsType.Squashfs, SifPartType.PrimSys, 1u),
                    (primary.FsType, primary.PartType, primary.GroupId));
                Assert.Equal((36864L, 4096L, 8188L), (primary.Offset, primary.Size, primary.SizeWithPadding));
            });
        Assert.Equal(2u, sif.PrimarySystem!.Id);
    }

    [Fact]
    public void Two_groups_add_an_ext3_amd64_system_partition_in_group_2()
    {
        SifDescriptor ext3 = SifFile.Read(SifTestData.File("two-groups.sif")).Objects[2];
        Assert.Equal((2u, SifFsType.Ext3, SifPartType.System, "amd64", 262144L),
            (ext3.GroupId, ext3.FsType, ext3.PartType, SifArch.Name(ext3.Arch!), ext3.Size));
    }

    [Theory]
    [InlineData("one-group-signed-dsse.sif"), InlineData("one-group-signed-pgp.sif")]
    public void Signatures_link_to_the_group_they_sign(string name)
    {
        SifDescriptor signature = SifFile.Read(SifTestData.File(name)).Find(SifDataType.Signature)!;
        Assert.Equal((0u, true, 1u, SifHashType.Sha256),
            (signature.GroupId, signature.LinksGroup, signature.LinkedTarget, signature.HashType));
    }

    [Fact]
    public void Legacy_signatures_link_to_an_object_and_carry_times_and_owner()
    {
        SifFile sif = SifFile.Read(SifTestData.File("one-group-signed-legacy.sif"));
        SifDescriptor signature = sif.Find(SifDataType.Signature)!;
        Assert.Equal((false, 2u, SifHashType.Sha384, "part-signature"),
            (signature.LinksGroup, signature.LinkedTarget, signature.HashType, signature.Name));
        Assert.Equal(DateTimeOffset.Parse("2020-06-20T20:16:39Z"), SifText.Date(signature.CreatedAt));
        Assert.Equal((1000L, 1000L), (signature.Uid, signature.Gid));
        Assert.Equal(Guid.Parse("6ecc76b7-a497-4f7f-9ebd-8da2a04c6be1"), sif.Header.Id);
        Assert.Equal(32768, sif.Header.DataOffset);
        Assert.StartsWith("12045C8C0B1004D0", signature.Entity);
    }

    [Theory]
    [InlineData("one-object-generic-json.sif", SifDataType.GenericJson, 2)]
    [InlineData("one-object-crypt-message.sif", SifDataType.CryptoMessage, 4)]
    [InlineData("one-object-sbom.sif", SifDataType.Sbom, 454)]
    [InlineData("one-object-oci-root-index.sif", SifDataType.OciRootIndex, 706)]
    [InlineData("one-object-oci-blob.sif", SifDataType.OciBlob, 847)]
    public void Single_objects_have_their_type_and_size(string name, SifDataType type, long size)
    {
        SifDescriptor only = Assert.Single(SifFile.Read(SifTestData.File(name)).Objects);
        Assert.Equal((type, size, 32176L), (only.DataType, only.Size, only.Offset));
    }

    [Fact]
    public void Object_time_and_content_are_read()
    {
        string path = SifTestData.File("one-object-time.sif");
        SifFile sif = SifFile.Read(path);
        SifDescriptor json = Assert.Single(sif.Objects);
        Assert.Equal(DateTimeOffset.Parse("2020-06-30T00:01:56Z"), SifText.Date(json.CreatedAt));
        Assert.Equal("data.json", json.Name);
        using var stream = File.OpenRead(path);
        Assert.Equal("{}"u8.ToArray(), SifFile.ReadObject(stream, json));
    }
}
