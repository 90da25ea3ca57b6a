namespace HpcRun.Build.Tests;

/// <summary>Which image OUT is (README, "Building images"): its name says a bare SquashFS as --sqfs does, and --sqfs
/// with a SIF's name is a contradiction, refused.</summary>
public class OutputFormatTests
{
    [Theory]
    [InlineData("x.sif", false, false)]
    [InlineData("x", false, false)]
    [InlineData("x.img", false, false)]
    [InlineData("x.sqfs", false, true)]
    [InlineData("dir.sif/x.SQUASHFS", false, true)]
    [InlineData("x.sqfs", true, true)]
    [InlineData("x", true, true)]
    public void A_squashfs_name_or_sqfs_makes_a_bare_squashfs(string output, bool sqfs, bool squashFs) =>
        Assert.Equal((squashFs, (string?)null), OutputFormat.Decide(output, sqfs));

    [Fact]
    public void Sqfs_with_a_sif_name_is_refused_naming_what_to_give() =>
        Assert.Equal("--sqfs writes a bare SquashFS, but OUT out/x.SIF is named as a SIF: name it out/x.sqfs, or " +
            "leave out --sqfs for a SIF", OutputFormat.Decide("out/x.SIF", sqfs: true).Refusal);

    [Theory]
    [InlineData("copy.sqfs", "OUT copy.sqfs names a bare SquashFS, but old.sif is an image already, which hpcrun " +
        "copies into a SIF: name OUT copy.sif without --sqfs")]
    [InlineData("copy", "--sqfs asks for a bare SquashFS, but old.sif is an image already, which hpcrun copies into " +
        "a SIF: name OUT copy.sif without --sqfs")]
    public void A_bare_squashfs_of_an_image_file_says_which_name_to_give(string output, string message) =>
        Assert.Equal(message, OutputFormat.NotOfAnImage(output, "old.sif"));
}
