using HpcRun.Image;
using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

/// <summary>Which images a launch refuses for their CPU, and in which words.</summary>
public class ImageArchitectureTests
{
    private static ImageSource Sif(string? architecture) =>
        new("/proc/self/fd/3", ImageKind.Sif)
        { Name = "/data/app.sif", AsTyped = "app.sif", Architecture = architecture };

    [Fact]
    public void A_sif_for_another_cpu_is_refused_naming_both_and_the_image_as_typed()
    {
        Assert.Equal("app.sif: the image is for arm64, this host is amd64: use an image built for amd64",
            ImageArchitecture.Refusal(Sif("arm64"), "amd64"));
        var refused = Assert.Throws<HpcRunException>(() => ImageArchitecture.Check(Sif("s390x"), "amd64"));
        Assert.Equal((ExitCode.ImageArchitecture, 82), (refused.Code, (int)refused.Code));
    }

    [Fact]
    public void The_hosts_own_an_unnamed_one_and_images_that_name_none_run()
    {
        Assert.Null(ImageArchitecture.Refusal(Sif("amd64"), "amd64"));
        Assert.Null(ImageArchitecture.Refusal(Sif("arm64"), "arm64"));
        Assert.Null(ImageArchitecture.Refusal(Sif(null), "amd64"));
        Assert.Null(ImageArchitecture.Refusal(new ImageSource("/images/app.sqfs", ImageKind.SquashFs), "amd64"));
        Assert.Null(ImageArchitecture.Refusal(new ImageSource("/images/tree", ImageKind.Directory), "arm64"));
    }

    /// <summary>An amd64 kernel runs i386 programs, and a build records an i386 tree as 386: such a SIF runs (it was
    /// refused, 82); the other way round it does not.</summary>
    [Fact]
    public void A_386_sif_runs_on_amd64_and_an_amd64_one_not_on_386()
    {
        Assert.Null(ImageArchitecture.Refusal(Sif("386"), "amd64"));
        Assert.NotNull(ImageArchitecture.Refusal(Sif("amd64"), "386"));
        Assert.NotNull(ImageArchitecture.Refusal(Sif("arm"), "arm64"));
    }
}
