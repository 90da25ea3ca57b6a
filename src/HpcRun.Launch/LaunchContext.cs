using HpcRun.HostLibraries;
using HpcRun.Image;
using HpcRun.Image.Metadata;

namespace HpcRun.Launch;

/// <summary>Everything a <see cref="ILaunchPart"/> may read. <paramref name="NodeShared"/>: the job's
/// ranks on this node run in this one container (<see cref="NodeSharing"/>).</summary>
public sealed record LaunchContext(LaunchRequest Request, ImageSource Image, ImageConfig Config, ImageTree Tree,
    HostFacts Host, bool NodeShared = false)
{
    private ImageLibraries? imageLibraries;

    /// <summary>The image's ld.so.cache and glibc, read from <see cref="Tree"/> at the first ask and kept:
    /// host MPI and RDMA injection both check the image's glibc against the host libraries they bring.</summary>
    public ImageLibraries ImageLibraries => imageLibraries ??= ImageLibraries.Read(Tree);
}

/// <summary>Looks into the image (after mounting it, symlinks resolved inside the image):
/// whether a path exists, what a small text file holds, what a directory lists. A dictionary in unit tests.</summary>
public sealed class ImageTree(Func<string, bool> exists, Func<string, string?> readText,
    Func<string, byte[]?>? readBytes = null, Func<string, string?>? canonical = null,
    Func<string, IReadOnlyList<string>?>? list = null, Func<string, bool>? isLinkOrMissing = null) : ILibraryFiles
{
    public bool Has(string path) => exists(path);

    /// <summary>At most this many bytes (16 MiB) of a file are read as text.</summary>
    public const int TextLimit = 16 << 20;

    /// <summary>The regular file's text, or null when it is missing, unreadable or no regular file (a FIFO); a file
    /// over <see cref="TextLimit"/> bytes ends at the last line's end within them.</summary>
    public string? ReadText(string path) => readText(path);

    /// <summary>The whole file (ELF libraries, ld.so.cache), or null when it is missing or unreadable.</summary>
    public byte[]? Read(string path) => readBytes?.Invoke(path);

    /// <summary>The path with symlinks resolved inside the image, or null when it is missing.</summary>
    public string? Canonical(string path) => canonical is not null ? canonical(path) : Has(path) ? path : null;

    /// <summary>Whether the image has nothing at <paramref name="path"/> (its directories' links followed) but a
    /// symlink, or nothing at all: what a mount that replaces a link (<see cref="MountSpec.ReplacesLink"/>) makes in
    /// the root's overlay. One look in the launcher; here, without it, the path resolves nowhere or to another place
    /// than its directory's entry.</summary>
    public bool IsLinkOrMissing(string path) => isLinkOrMissing?.Invoke(path) ?? (!Has(path) || path != "/"
        && Canonical(path) is { } resolved && resolved != path
        && Canonical(Path.GetDirectoryName(path)!) is { } directory
        && resolved != (directory == "/" ? "" : directory) + "/" + Path.GetFileName(path));

    /// <summary>The names in the directory <paramref name="path"/> (symlinks followed inside the image), in no
    /// particular order; null when it is missing or not a directory.</summary>
    public IReadOnlyList<string>? List(string path) => list?.Invoke(path);

    /// <summary>A tree holding exactly these paths (a null content marks a directory).</summary>
    public static ImageTree Of(IReadOnlyDictionary<string, string?> files) =>
        new(files.ContainsKey, p => files.GetValueOrDefault(p), list: dir =>
            files.ContainsKey(dir) && files[dir] is null
                ? [.. files.Keys.Where(p => p.StartsWith(dir + "/", StringComparison.Ordinal)
                    && p.IndexOf('/', dir.Length + 1) < 0).Select(p => p[(dir.Length + 1)..])]
                : null);
}
