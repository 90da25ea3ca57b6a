using HpcRun.HostLibraries;
using HpcRun.Launch;

namespace HpcRun.Mpi.Tests;

/// <summary>A directory seen as a root file system (a host or an image fixture): paths are
/// inside it, relative symlinks resolve inside it, as the image tree does for real images.</summary>
internal sealed class RootedFiles(string root) : ILibraryFiles
{
    public string Root => root;

    public string? Canonical(string path) =>
        HostLibraryFiles.Instance.Canonical(root + path) is { } real
            && real.StartsWith(root + "/", StringComparison.Ordinal)
            ? real[root.Length..]
            : null;

    public byte[]? Read(string path) => HostLibraryFiles.Instance.Read(root + path);

    public byte[]? LdCache() => Read(LdSoCache.DefaultPath);

    /// <summary>The image's MPI as host MPI injection reads it, with <paramref name="libraryPath"/> as its
    /// LD_LIBRARY_PATH.</summary>
    public ImageMpi Mpi(params string[] libraryPath) => ImageMpi.Read(this, ImageLibraries.Read(this), libraryPath);

    public ImageTree Tree() => new(p => Path.Exists(root + p),
        p => File.Exists(root + p) ? File.ReadAllText(root + p) : null, Read, Canonical);
}
