using HpcRun.TestSupport;

namespace HpcRun.Mpi.Tests;

/// <summary>
/// Tiny shared libraries with crafted sonames and versions, built with gcc into small root
/// trees (each with /etc/ld.so.cache made by `ldconfig -r`) that stand for hosts and images.
/// Built once per test run.
/// </summary>
internal static class Fixtures
{
    private static readonly Lazy<string> dir = new(Build);

    /// <summary>MPICH 12.2.2 (libmpich.so.12 needing libdep.so.1 and GLIBC_2.36 through arc4random),
    /// glibc 2.40.</summary>
    public static RootedFiles MpichHost => Root("mpich-host");
    /// <summary>MPICH 12.2.2 that itself needs no new glibc, but its libstdc++.so.6 needs GLIBC_2.36; glibc
    /// 2.40.</summary>
    public static RootedFiles MpichNewCxxHost => Root("mpich-newcxx-host");
    /// <summary>Open MPI 40.30.4 (libmpi.so.40 needing libopen-pal.so.40), glibc 2.40.</summary>
    public static RootedFiles OpenMpiHost => Root("ompi-host");
    /// <summary>MPICH 12.1.0 with libmpifort.so.12, glibc 2.40.</summary>
    public static RootedFiles MpichImage => Root("mpich-image");
    /// <summary>Intel-MPI-like libmpi.so.12.5.0 (MPICH ABI, newer minor), glibc 2.40.</summary>
    public static RootedFiles NewerMpichImage => Root("mpich-newer-image");
    /// <summary>Open MPI 40.30.4, glibc 2.40.</summary>
    public static RootedFiles OpenMpiImage => Root("ompi-image");
    /// <summary>Open MPI 1.10's libmpi.so.12 (needs libopen-pal.so.13: Open MPI, despite the MPICH ABI's
    /// major).</summary>
    public static RootedFiles OldOpenMpiImage => Root("ompi-old-image");
    /// <summary>MPICH 12.2.2 on glibc 2.17: too old for the host's libraries.</summary>
    public static RootedFiles OldGlibcImage => Root("old-glibc-image");
    /// <summary>Only a glibc 2.40.</summary>
    public static RootedFiles NoMpiImage => Root("no-mpi-image");

    private static RootedFiles Root(string name) => new(Path.Combine(dir.Value, name));

    private static string Build()
    {
        string top = Directory.CreateTempSubdirectory("hpcrun-mpi-fixtures-").FullName;
        var trees = new LibraryTrees(top);
        void OpenMpi(string root, string openPal, string mpi)
        {
            trees.Lib(root, openPal);
            trees.Lib(root, mpi, link: $"-l:{openPal}");
        }
        const string needsGlibc236 = "#include <stdlib.h>\nunsigned f(void) { return arc4random(); }\n";
        const string glibc = "2.2.5", oldGlibc = "2.17", newGlibc = "2.40";

        trees.Lib("mpich-host", "libdep.so.1.0.0");
        trees.Lib("mpich-host", "libmpich.so.12.2.2", needsGlibc236, "-l:libdep.so.1.0.0");
        trees.Libc("mpich-host", glibc, newGlibc);
        trees.Lib("mpich-newcxx-host", "libstdc++.so.6.0.33", needsGlibc236);
        trees.Lib("mpich-newcxx-host", "libmpich.so.12.2.2", link: "-l:libstdc++.so.6.0.33");
        trees.Libc("mpich-newcxx-host", glibc, newGlibc);
        OpenMpi("ompi-host", "libopen-pal.so.40.30.2", "libmpi.so.40.30.4");
        trees.Libc("ompi-host", glibc, newGlibc);
        trees.Lib("mpich-image", "libmpich.so.12.1.0");
        trees.Lib("mpich-image", "libmpifort.so.12.1.0");
        trees.Libc("mpich-image", glibc, oldGlibc, newGlibc);
        trees.Lib("mpich-newer-image", "libmpi.so.12.5.0");
        trees.Libc("mpich-newer-image", glibc, newGlibc);
        OpenMpi("ompi-image", "libopen-pal.so.40.30.2", "libmpi.so.40.30.4");
        trees.Libc("ompi-image", glibc, newGlibc);
        OpenMpi("ompi-old-image", "libopen-pal.so.13.0.2", "libmpi.so.12.0.2");
        trees.Libc("ompi-old-image", glibc, oldGlibc);
        trees.Lib("old-glibc-image", "libmpich.so.12.2.2");
        trees.Libc("old-glibc-image", glibc, oldGlibc);
        trees.Libc("no-mpi-image", glibc, newGlibc);
        foreach (string root in new[] { "mpich-host", "mpich-newcxx-host", "ompi-host", "mpich-image",
                     "mpich-newer-image", "ompi-image", "ompi-old-image", "old-glibc-image", "no-mpi-image" })
            trees.Cache(root);
        return top;
    }
}
