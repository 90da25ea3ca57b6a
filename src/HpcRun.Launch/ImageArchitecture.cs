using HpcRun.Image;
using HpcRun.Image.Text;

namespace HpcRun.Launch;

/// <summary>
/// A SIF says which CPU its file system is for; one for another CPU is refused before anything is mounted, as
/// Apptainer refuses it, instead of failing later with "Exec format error" (or, where binfmt_misc has an emulator
/// registered, running slowly under it without a word). A SquashFS or a directory says nothing: `hpcrun doctor IMAGE`
/// checks those by their programs. A SIF for 386 runs on amd64 as it is (<see cref="HostPlatform.Runs"/>): a build
/// records an i386 tree as 386.
/// </summary>
public static class ImageArchitecture
{
    /// <summary>The one line that refuses <paramref name="image"/> on a host whose CPU is
    /// <paramref name="hostArchitecture"/> (OCI's names: amd64, arm64...); null when it may run.</summary>
    public static string? Refusal(ImageSource image, string hostArchitecture) =>
        image.Architecture is { } architecture && !HostPlatform.Runs(architecture, hostArchitecture)
            ? $"{Shown.Path(image.AsTyped ?? image.Name)}: the image is for {architecture}, this host is " +
                $"{hostArchitecture}: use an image built for {hostArchitecture}"
            : null;

    /// <summary>Throws <see cref="Refusal"/>'s line, if any.</summary>
    /// <exception cref="HpcRunException">82 (<see cref="ExitCode.ImageArchitecture"/>).</exception>
    public static void Check(ImageSource image, string hostArchitecture)
    {
        if (Refusal(image, hostArchitecture) is { } line) throw new HpcRunException(ExitCode.ImageArchitecture, line);
    }
}
