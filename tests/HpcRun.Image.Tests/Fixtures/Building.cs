using HpcRun.Build;
using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>`hpcrun build` in-process, into a <see cref="Sandbox"/>, with the real mksquashfs; images read back
/// with unsquashfs.</summary>
public sealed class Building : IDisposable
{
    public Sandbox Sandbox { get; } = new();
    public RecordingReporter Reporter { get; } = new();

    public void Dispose() => Sandbox.Dispose();

    /// <summary>Builds <paramref name="source"/> into the sandbox file <paramref name="name"/>;
    /// <paramref name="with"/> adds to the request.</summary>
    public string Build(string source, string name = "out.sif", Func<BuildRequest, BuildRequest>? with = null,
        CancellationToken cancel = default)
    {
        string output = Sandbox.File(name);
        ImageBuilder.Build((with ?? (r => r))(new BuildRequest(output, source)), "test", Reporter, cancel);
        return output;
    }

    /// <summary>What the sandbox holds at its top (to show a failed build left nothing).</summary>
    public IEnumerable<string> Entries() =>
        Directory.GetFileSystemEntries(Sandbox.Path).Select(e => Path.GetFileName(e)).Order();

    public static string Cat(string image, string file, long offset = SifWriter.PartitionOffset) =>
        TestEnvironment.RunChecked("unsquashfs", "-o", $"{offset}", "-cat", image, file);

    public static string Listing(string image, long offset = SifWriter.PartitionOffset) =>
        TestEnvironment.RunChecked("unsquashfs", "-o", $"{offset}", "-lls", image);

    public static Dictionary<string, SquashFsEntry> Entries(string image, long offset = SifWriter.PartitionOffset) =>
        SquashFsListing.Read(image, offset);
}
