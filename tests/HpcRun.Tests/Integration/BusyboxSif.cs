using HpcRun.Image.Sif;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>busybox's tree in a SIF written by the tests themselves, so that its header and objects can say what no
/// build writes.</summary>
internal static class BusyboxSif
{
    /// <summary>The SIF cached as <paramref name="name"/>: its primary partition says <paramref name="architecture"/>,
    /// <paramref name="objects"/> follow it, and <paramref name="patch"/> may change the file after.</summary>
    public static string Make(string name, string architecture, IReadOnlyList<SifObject>? objects = null,
        Action<FileStream>? patch = null)
    {
        string tree = TestImages.BusyboxTree; // before Cached, whose lock is not re-entrant
        return TestImages.Cached(name, path =>
        {
            TestEnvironment.RunChecked("mksquashfs", tree, path, "-noappend", "-quiet", "-no-progress", "-all-root",
                "-offset", $"{SifWriter.PartitionOffset}");
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            SifWriter.Complete(file, file.Length - SifWriter.PartitionOffset, SifArch.Code(architecture), 1700000000,
                objects ?? []);
            patch?.Invoke(file);
        });
    }
}
