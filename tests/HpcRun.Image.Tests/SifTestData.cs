using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>The reference SIF library's test vectors in shared/testdata/sif.</summary>
internal static class SifTestData
{
    public static string Dir => Path.Combine(TestEnvironment.RepoRoot, "..", "shared", "testdata", "sif");

    public static string File(string name) => Path.Combine(Dir, name);

    public static IEnumerable<string> All => Directory.GetFiles(Dir, "*.sif").Order();
}
