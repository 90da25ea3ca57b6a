namespace HpcRun.Image;

/// <summary>How Apptainer's local image transports name an image: an archive or layout, then after a colon the image
/// in it (`oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:NAME:TAG]` on the command line;
/// `Bootstrap: oci|oci-archive|docker-archive` with `From: FILE[:TAG]` in a definition file). containers/image, which
/// Apptainer reads them with, splits at the first colon; hpcrun does too, unless the whole text names a file (a
/// path with a colon in it), which <paramref name="exists"/> in <see cref="Split"/> says.</summary>
public static class ArchiveReference
{
    /// <summary>What an archive or layout of several images says to choose one: --tag on the command line, the tag
    /// after FILE in a definition file's `From:` (where --tag means nothing).</summary>
    public const string ChooseOne = "choose one with --tag (in a definition file: From: FILE:TAG)";

    /// <summary>The line that refuses <paramref name="image"/> when it picks an image by its place in the archive
    /// (`FILE:@N`, containers/image's source index), which hpcrun does not read: an index says nothing of the image
    /// it picks, and the order of an archive's images is not kept when it is made again; null for a name or
    /// tag.</summary>
    public static string? IndexRefusal(string? image) => image is ['@', ..]
        ? $"`:{image}` picks an image by its place in the archive: not supported: {ChooseOne}" : null;

    /// <summary>The archive's or layout's path and the image named after it (null: none, or an empty name).</summary>
    public static (string Path, string? Image) Split(string text, Func<string, bool> exists)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0 || exists(text)) return (text, null);
        string image = text[(colon + 1)..];
        return (text[..colon], image.Length == 0 ? null : image);
    }
}
