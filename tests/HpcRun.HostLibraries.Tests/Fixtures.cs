using HpcRun.TestSupport;

namespace HpcRun.HostLibraries.Tests;

/// <summary>Root trees of tiny libraries built with gcc (<see cref="LibraryTrees"/>), once per test run.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> dir = new(Build);

    /// <summary>libapp.so.2.1.0 (needs libdep.so.1 and, through arc4random, GLIBC_2.36), libdep.so.1.0.0, a
    /// libc.so.6 defining GLIBC_2.2.5, 2.17 and 2.40, and an /etc/ld.so.cache for them.</summary>
    public static RootedFiles Image => new(Path.Combine(dir.Value, "image"));

    /// <summary>Only a libc.so.6 defining GLIBC_2.2.5 and 2.17 in /lib, and no ld.so.cache.</summary>
    public static RootedFiles NoCacheImage => new(Path.Combine(dir.Value, "no-cache-image"));

    private static string Build()
    {
        string top = Directory.CreateTempSubdirectory("hpcrun-hostlibraries-fixtures-").FullName;
        var trees = new LibraryTrees(top);
        trees.Lib("image", "libdep.so.1.0.0");
        trees.Lib("image", "libapp.so.2.1.0", "#include <stdlib.h>\nunsigned f(void) { return arc4random(); }\n",
            "-l:libdep.so.1.0.0");
        trees.Libc("image", "2.2.5", "2.17", "2.40");
        trees.Cache("image");
        trees.Libc("no-cache-image", "2.2.5", "2.17");
        return top;
    }
}

/// <summary>A directory seen as a root file system: paths are inside it, relative symlinks resolve inside it.</summary>
internal sealed class RootedFiles(string root) : ILibraryFiles
{
    public string? Canonical(string path) =>
        HostLibraryFiles.Instance.Canonical(root + path) is { } real
        && real.StartsWith(root + "/", StringComparison.Ordinal) ? real[root.Length..] : null;

    public byte[]? Read(string path) => HostLibraryFiles.Instance.Read(root + path);
}
