using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>A temporary directory the unprivileged test user can read (under the test image
/// directory, since /tmp's private temp directories are 0700 and the clone may be under /root).</summary>
public sealed class SharedDir : IDisposable
{
    public string Path { get; } =
        Directory.CreateDirectory(System.IO.Path.Combine(TestImages.Dir, $"image-tests-{Guid.NewGuid():N}")).FullName;

    public SharedDir() => System.IO.File.SetUnixFileMode(Path, (UnixFileMode)0b111_101_101);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Removed with rm -rf: .NET's Directory.Delete cannot remove names that are not UTF-8.</summary>
    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", "--", Path);
}
