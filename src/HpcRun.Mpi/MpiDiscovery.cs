using HpcRun.HostLibraries;

namespace HpcRun.Mpi;

/// <summary>Finds MPI installations among candidate libraries (an ld.so.cache, or configured paths),
/// grouped by ABI family.</summary>
public static class MpiDiscovery
{
    /// <summary>Core libraries: a program links against one of these.</summary>
    public static readonly string[] CoreStems = ["libmpi", "libmpich", "libmpi_cray"];

    /// <summary>Language bindings that belong to an installation (C++, Fortran, Java).</summary>
    public static readonly string[] BindingStems = ["libmpicxx", "libmpifort", "libmpichcxx", "libmpichfort",
        "libmpi_cxx", "libmpi_mpifh", "libmpi_usempif08", "libmpi_usempi_ignore_tkr", "libmpi_java"];

    /// <summary>The MPICH ABI's soname major; Open MPI uses others (20, 40).</summary>
    public const int MpichAbiMajor = 12;

    /// <summary>Sonames to probe in directories that are not in a cache (an image's LD_LIBRARY_PATH).</summary>
    public static readonly string[] WellKnownSonames =
        ["libmpi.so.12", "libmpich.so.12", "libmpi_cray.so.12", "libmpi.so.40", "libmpi.so.20"];

    /// <param name="candidates">(soname, path) pairs, in the loader's order; non-MPI ones are skipped.</param>
    public static IReadOnlyList<MpiInstallation> Find(IEnumerable<KeyValuePair<string, string>> candidates,
        ILibraryFiles files)
    {
        var found = new List<(MpiFamily? Family, MpiLibrary Library)>();
        foreach (var (soname, path) in candidates)
        {
            if (LibraryVersion.FromFileName(soname) is not { Numbers.Count: 1 } version) continue;
            bool core = CoreStems.Contains(version.Stem);
            if (!core && !BindingStems.Contains(version.Stem)) continue;
            if (found.Any(f => f.Library.Soname == soname) || files.Canonical(path) is not { } real) continue;
            found.Add((core ? CoreFamily(version, real, files) : null, new MpiLibrary(soname, path, real)));
        }
        var installations = new List<MpiInstallation>();
        foreach (var (family, core) in found.Where(f => f.Family is not null).Select(f => (f.Family!.Value, f.Library)))
        {
            if (installations.Any(i => i.Family == family)) continue;
            int major = core.Version.Major;
            var libraries = found.Where(f => f.Library.Version.Major == major && (f.Family ?? family) == family)
                .Select(f => f.Library);
            installations.Add(new MpiInstallation(family, core, [.. libraries]));
        }
        return installations;
    }

    /// <summary>libmpich and libmpi_cray are MPICH ABI; libmpi is Open MPI when it needs Open MPI's
    /// runtime (libopen-pal) or has another major than 12 (Intel MPI and MVAPICH ship libmpi.so.12).</summary>
    private static MpiFamily CoreFamily(LibraryVersion version, string realPath, ILibraryFiles files)
    {
        if (version.Stem != "libmpi") return MpiFamily.MpichAbi;
        if (version.Major != MpichAbiMajor) return MpiFamily.OpenMpi;
        ElfFile? elf = files.Read(realPath) is { } bytes ? ElfFile.TryParse(bytes) : null;
        return elf?.Needed.Any(n => n.StartsWith("libopen-pal", StringComparison.Ordinal)) == true
            ? MpiFamily.OpenMpi : MpiFamily.MpichAbi;
    }
}
