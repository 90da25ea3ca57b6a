using System.Diagnostics;

namespace HpcRun.Image.Build;

/// <summary>Finds the device nodes, FIFOs and sockets of a directory source, which the image
/// leaves out (mksquashfs excludes them silently), so the build can warn about them.</summary>
internal static class SpecialFiles
{
    private const int Named = 5;

    public static void Warn(string tree, IBuildReporter reporter)
    {
        var info = new ProcessStartInfo("find") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { tree, "-xdev", "(", "-type", "b", "-o", "-type", "c", "-o", "-type", "p", "-o", "-type", "s", ")", "-print" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(); // drained so find never blocks on it
        var found = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => "/" + Path.GetRelativePath(tree, p)).Order(StringComparer.Ordinal).ToList();
        process.WaitForExit();
        stderr.Wait();
        if (found.Count == 0) return;
        string more = found.Count > Named ? $" and {found.Count - Named} more" : "";
        reporter.Warning($"skipped {found.Count} device nodes, FIFOs or sockets: {string.Join(", ", found.Take(Named))}{more}");
    }
}
