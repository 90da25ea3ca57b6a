namespace HpcRun.Image.Tests.Fixtures;

/// <summary>A temporary directory holding a build root and, beside it, an "outside" that a
/// hostile layer must never reach.</summary>
public sealed class Sandbox : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hpcrun-image-test-").FullName;
    public string Root => Directory.CreateDirectory(System.IO.Path.Combine(Path, "root")).FullName;
    public string Outside => Directory.CreateDirectory(System.IO.Path.Combine(Path, "outside")).FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Removed with rm -rf: .NET's Directory.Delete gives up on paths longer than PATH_MAX and on names
    /// that are not UTF-8.</summary>
    public void Dispose() => HpcRun.TestSupport.TestEnvironment.RunChecked("rm", "-rf", "--", Path);
}
