namespace HpcRun.TestSupport;

/// <summary>
/// Small root trees of shared libraries below <paramref name="top"/>, built with gcc and given an
/// /etc/ld.so.cache by `ldconfig -r`: fixtures that stand for a host or an image. Each library
/// goes into ROOT/lib (or another directory of the root), with the soname its file name implies
/// (libmpich.so.12.2.2 is libmpich.so.12).
/// </summary>
internal sealed class LibraryTrees(string top)
{
    private readonly string sources = Directory.CreateDirectory(Path.Combine(top, "src")).FullName;

    /// <param name="link">More gcc arguments, e.g. "-l:libdep.so.1.0.0" for a library of the same tree.</param>
    public void Lib(string root, string file, string code = "int f(void) { return 1; }", params string[] link) =>
        LibIn(root, "/lib", file, code, null, link);

    /// <summary>A library in <paramref name="dir"/> (a directory of the root, as /usr/local/nvidia/lib64), with
    /// <paramref name="soname"/> when its file name does not imply it (libcuda.so.580.65.06 is libcuda.so.1).</summary>
    public void LibIn(string root, string dir, string file, string code, string? soname = null, params string[] link)
    {
        string libDir = Directory.CreateDirectory(Path.Combine(top, root) + dir).FullName;
        string source = Path.Combine(sources, $"{root}-{file}.c");
        File.WriteAllText(source, code);
        int so = file.IndexOf(".so.", StringComparison.Ordinal);
        soname ??= so < 0 ? file : file[..(so + 4)] + file[(so + 4)..].Split('.')[0];
        TestEnvironment.RunChecked("gcc", ["-shared", "-fPIC", "-o", Path.Combine(libDir, file),
            $"-Wl,-soname,{soname}", source, "-Wl,--no-as-needed", "-L", libDir, .. link]);
    }

    /// <summary>A libc.so.6 that defines the symbol versions GLIBC_<paramref name="versions"/>, as glibc's
    /// does.</summary>
    public void Libc(string root, params string[] versions)
    {
        string map = Path.Combine(sources, $"{root}-libc.map");
        File.WriteAllText(map, string.Join('\n', versions.Select((v, i) => $"GLIBC_{v} {{ global: f{i}; }};")));
        string code = string.Concat(versions.Select((_, i) => $"int f{i}(void) {{ return {i}; }}\n"));
        Lib(root, "libc.so.6", code, "-nostdlib", $"-Wl,--version-script={map}");
    }

    /// <summary>ROOT/etc/ld.so.cache for the libraries in ROOT/lib, or in <paramref name="dirs"/> of the
    /// root.</summary>
    public void Cache(string root, params string[] dirs)
    {
        Directory.CreateDirectory(Path.Combine(top, root, "etc"));
        File.WriteAllText(Path.Combine(top, root, "etc", "ld.so.conf"),
            string.Join('\n', dirs.DefaultIfEmpty("/lib")) + "\n");
        TestEnvironment.RunChecked("ldconfig", "-r", Path.Combine(top, root));
    }
}
