using System.ComponentModel;
using System.Diagnostics;

namespace HpcRun.Build;

/// <summary>
/// Tries --mksquashfs-args before a build or pull does any work: <see cref="HpcRun.Image.Formats.MksquashfsArgs"/>
/// checks which options are passed on, and only mksquashfs knows which of their values it takes (`-b 3`,
/// `-processors 0`, `-Xcompression-level 99`, a -X value of one version and not another), so it squashes an empty
/// directory with them into a scratch file, which takes milliseconds; what it refuses the build would have refused
/// after every step ran. Nothing is left behind: the scratch directory is removed.
/// </summary>
public static class MksquashfsTrial
{
    /// <summary>mksquashfs's first line about <paramref name="args"/> (checked by MksquashfsArgs) when it refuses
    /// them; null when it takes them, or cannot be tried (not installed: the build says so, 72; no writable
    /// temporary directory).</summary>
    public static string? Refusal(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return null;
        DirectoryInfo scratch;
        try { scratch = Directory.CreateTempSubdirectory("hpcrun-mksquashfs-"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // no $TMPDIR
        try
        {
            string empty = Directory.CreateDirectory(Path.Combine(scratch.FullName, "empty")).FullName;
            var start = new ProcessStartInfo(SquashFsMaker.Tool)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (string arg in (string[])[empty, Path.Combine(scratch.FullName, "trial.sqfs"), "-noappend",
                         "-quiet", "-no-progress", .. SquashFsMaker.Compression(args)])
                start.ArgumentList.Add(arg);
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode == 0) return null;
            string first = $"{errors}\n{output.Result}".Split('\n').Select(line => line.Trim())
                .FirstOrDefault(line => line.Length > 0) ?? $"it exited with status {process.ExitCode}";
            return first.StartsWith($"{SquashFsMaker.Tool}: ", StringComparison.Ordinal) ? first
                : $"{SquashFsMaker.Tool}: {first}";
        }
        catch (Win32Exception) { return null; } // not installed
        finally { scratch.Delete(recursive: true); }
    }
}
