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

    /// <summary>MPICH 12.2.2 (libmpich.so.12 needing libdep.so.1 and GLIBC_2.36 through arc4random), glibc 2.40.</summary>
    public static RootedFiles MpichHost => Root("mpich-host");
    /// <summary>Open MPI 40.30.4 (libmpi.so.40 needing libopen-pal.so.40), glibc 2.40.</summary>
    public static RootedFiles OpenMpiHost => Root("ompi-host");
    /// <summary>MPICH 12.1.0 with libmpifort.so.12, glibc 2.40.</summary>
    public static RootedFiles MpichImage => Root("mpich-image");
    /// <summary>Intel-MPI-like libmpi.so.12.5.0 (MPICH ABI, newer minor), glibc 2.40.</summary>
    public static RootedFiles NewerMpichImage => Root("mpich-newer-image");
    /// <summary>Open MPI 40.30.4, glibc 2.40.</summary>
    public static RootedFiles OpenMpiImage => Root("ompi-image");
    /// <summary>Open MPI 1.10's libmpi.so.12 (needs libopen-pal.so.13: Open MPI, despite the MPICH ABI's major).</summary>
    public static RootedFiles OldOpenMpiImage => Root("ompi-old-image");
    /// <summary>MPICH 12.2.2 on glibc 2.17: too old for the host's libraries.</summary>
    public static RootedFiles OldGlibcImage => Root("old-glibc-image");
    /// <summary>Only a glibc 2.40.</summary>
    public static RootedFiles NoMpiImage => Root("no-mpi-image");

    private static RootedFiles Root(string name) => new(Path.Combine(dir.Value, name));

    private static string Build()
    {
        string top = Directory.CreateTempSubdirectory("hpcrun-mpi-fixtures-").FullName;
        string sources = Directory.CreateDirectory(Path.Combine(top, "src")).FullName;
        // The soname is what the file name implies: libmpich.so.12.2.2 is libmpich.so.12.
        void Lib(string root, string file, string code = "int f(void) { return 1; }", params string[] link)
        {
            string libDir = Directory.CreateDirectory(Path.Combine(top, root, "lib")).FullName;
            string source = Path.Combine(sources, $"{root}-{file}.c");
            File.WriteAllText(source, code);
            string soname = LibraryVersion.FromFileName(file)?.Soname ?? file;
            TestEnvironment.RunChecked("gcc", ["-shared", "-fPIC", "-o", Path.Combine(libDir, file), $"-Wl,-soname,{soname}", source,
                "-Wl,--no-as-needed", "-L", libDir, .. link]);
        }
        void Libc(string root, params string[] versions)
        {
            string map = Path.Combine(sources, $"{root}-libc.map");
            File.WriteAllText(map, string.Join('\n', versions.Select((v, i) => $"GLIBC_{v} {{ global: f{i}; }};")));
            Lib(root, "libc.so.6", string.Concat(versions.Select((_, i) => $"int f{i}(void) {{ return {i}; }}\n")), "-nostdlib", $"-Wl,--version-script={map}");
        }
        void OpenMpi(string root, string openPal, string mpi)
        {
            Lib(root, openPal);
            Lib(root, mpi, link: $"-l:{openPal}");
        }
        void Cache(string root)
        {
            Directory.CreateDirectory(Path.Combine(top, root, "etc"));
            File.WriteAllText(Path.Combine(top, root, "etc", "ld.so.conf"), "/lib\n");
            TestEnvironment.RunChecked("ldconfig", "-r", Path.Combine(top, root));
        }
        const string needsGlibc236 = "#include <stdlib.h>\nunsigned f(void) { return arc4random(); }\n";
        const string glibc = "2.2.5", oldGlibc = "2.17", newGlibc = "2.40";

        Lib("mpich-host", "libdep.so.1.0.0");
        Lib("mpich-host", "libmpich.so.12.2.2", needsGlibc236, "-l:libdep.so.1.0.0");
        Libc("mpich-host", glibc, newGlibc);
        OpenMpi("ompi-host", "libopen-pal.so.40.30.2", "libmpi.so.40.30.4");
        Libc("ompi-host", glibc, newGlibc);
        Lib("mpich-image", "libmpich.so.12.1.0");
        Lib("mpich-image", "libmpifort.so.12.1.0");
        Libc("mpich-image", glibc, oldGlibc, newGlibc);
        Lib("mpich-newer-image", "libmpi.so.12.5.0");
        Libc("mpich-newer-image", glibc, newGlibc);
        OpenMpi("ompi-image", "libopen-pal.so.40.30.2", "libmpi.so.40.30.4");
        Libc("ompi-image", glibc, newGlibc);
        OpenMpi("ompi-old-image", "libopen-pal.so.13.0.2", "libmpi.so.12.0.2");
        Libc("ompi-old-image", glibc, oldGlibc);
        Lib("old-glibc-image", "libmpich.so.12.2.2");
        Libc("old-glibc-image", glibc, oldGlibc);
        Libc("no-mpi-image", glibc, newGlibc);
        foreach (string root in new[] { "mpich-host", "ompi-host", "mpich-image", "mpich-newer-image", "ompi-image", "ompi-old-image", "old-glibc-image", "no-mpi-image" })
            Cache(root);
        return top;
    }
}
