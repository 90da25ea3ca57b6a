using HpcRun.HostLibraries;

namespace HpcRun.Mpi;

/// <summary>The image's MPI installations and its glibc, as seen through <see cref="ILibraryFiles"/>.</summary>
public sealed record ImageMpi(IReadOnlyList<MpiInstallation> Installations, ImageGlibc? Glibc)
{
    /// <param name="libraries">The image's ld.so.cache and glibc (<see cref="ImageLibraries.Read"/>).</param>
    /// <param name="libraryPath">The image's LD_LIBRARY_PATH directories: MPI installed outside the
    /// loader's cache (under /opt) is found there by its well-known sonames.</param>
    public static ImageMpi Read(ILibraryFiles image, ImageLibraries libraries, IEnumerable<string> libraryPath)
    {
        var probed = libraryPath.SelectMany(dir =>
            MpiDiscovery.WellKnownSonames.Select(s => KeyValuePair.Create(s, $"{dir.TrimEnd('/')}/{s}")));
        return new ImageMpi(MpiDiscovery.Find(probed.Concat(libraries.Cache), image), libraries.Glibc);
    }
}
