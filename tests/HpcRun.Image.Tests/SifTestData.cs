using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>The reference SIF library's test vectors (copied from shared/testdata/sif, BSD-3-Clause, see its
/// LICENSE.md).</summary>
internal static class SifTestData
{
    public static string Dir =>
        Path.Combine(TestEnvironment.RepoRoot, "tests", "HpcRun.Image.Tests", "testdata", "sif");

    public static string File(string name) => Path.Combine(Dir, name);

    public static IEnumerable<string> All => Directory.GetFiles(Dir, "*.sif").Order();
}
