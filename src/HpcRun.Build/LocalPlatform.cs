using HpcRun.HostLibraries;
using HpcRun.Image;

namespace HpcRun.Build;

/// <summary>
/// Which CPU a local image (a directory, SquashFS or SIF: a build's SOURCE, a recipe's base) is for, where it tells:
/// a SIF by its header, else by its programs (<see cref="ImageMachine"/>). A build that --platform (or FROM
/// --platform) asks for another refuses it rather than record the image as what it is not: amd64 programs recorded
/// as arm64 run nowhere. An image that tells nothing is built as asked.
/// </summary>
public static class LocalPlatform
{
    /// <summary>The architecture (OCI's name) of the directory or image file <paramref name="path"/>, and what
    /// tells it; null when nothing does, or for an archive or OCI layout, whose image the build chooses by platform.
    /// </summary>
    /// <exception cref="ImageFormatException">An image file that is not a usable SquashFS or SIF.</exception>
    public static (string Architecture, string Told)? Of(string path)
    {
        if (Directory.Exists(path)) return Told(ImageMachine.InDirectory(path));
        if (!ImageSource.LooksLikeImageFile(path)) return null;
        ImageSource image = ImageSource.Probe(path);
        return image.Architecture is { } header ? (header, "its SIF header says so")
            : Told(ImageMachine.InSquashFs(path, image.Offset));
    }

    private static (string, string)? Told((string Probe, ElfHeader Elf)? found) =>
        found is { } program && program.Elf.OciArchitecture is { } architecture
            ? (architecture, $"its {program.Probe} is a program for {program.Elf.MachineName}") : null;

    /// <summary>Why an image that <paramref name="found"/> says is for one architecture cannot be built as
    /// <paramref name="platform"/> (OS/ARCH[/VARIANT], normalized); null when it can: the same architecture, or
    /// nothing found.</summary>
    public static string? Mismatch(string platform, (string Architecture, string Told)? found) =>
        found is { } image && platform.Split('/')[1] != image.Architecture
            ? $"the image is for {image.Architecture} ({image.Told}), not {platform}, and hpcrun records an image " +
                $"as what it is: leave --platform out, or start from an image for {platform}"
            : null;
}
