using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace HpcRun.Image.Build;

/// <summary>
/// Runs mksquashfs on a tree, reproducibly: fixed time stamps, files owned by root, setuid and
/// setgid bits dropped, device nodes, FIFOs and sockets left out. Its progress bar ("n/m p%")
/// drives the build's.
/// </summary>
internal static partial class SquashFsMaker
{
    public const string Tool = "mksquashfs";

    /// <summary>A file to add to the image without touching the source tree.</summary>
    public sealed record ExtraFile(string ImagePath, string HostPath);

    public static void Make(string tree, string output, long offset, long time, ExtraFile? extra, IBuildReporter reporter)
    {
        var args = new List<string>
        {
            tree, output, "-noappend", "-quiet", "-all-root", "-mkfs-time", $"{time}", "-all-time", $"{time}",
            "-action", "chmod(ug-s)@perm(/u+s,g+s)", "-action", "exclude@type(b) || type(c) || type(p) || type(s)",
        };
        if (offset > 0) args.AddRange(["-offset", $"{offset}"]);
        if (extra is not null)
        {
            string inImage = extra.ImagePath.TrimStart('/');
            args.AddRange(["-p", $"/{Path.GetDirectoryName(inImage)} d 755 0 0", "-p", $"/{inImage} f 644 0 0 cat {extra.HostPath}"]);
            if (Path.Exists(Path.Combine(tree, inImage))) args.AddRange(["-e", inImage]);
        }
        Run(args, reporter);
    }

    private static void Run(List<string> args, IBuildReporter reporter)
    {
        var info = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using IBuildStep step = reporter.Step("making the SquashFS file system", 100);
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ImageBuildException($"{Tool} not found: install squashfs-tools (Debian/Ubuntu: apt install squashfs-tools)", missingTool: true);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            FollowProgress(process.StandardOutput, step);
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string why = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                throw new ImageBuildException($"{Tool} failed (exit {process.ExitCode}): {why}");
            }
        }
    }

    /// <summary>mksquashfs redraws its bar with '\r'; each redraw ends in "n/m p%".</summary>
    private static void FollowProgress(StreamReader output, IBuildStep step)
    {
        var line = new StringBuilder();
        int shown = 0;
        for (int c; (c = output.Read()) >= 0;)
        {
            if (c is not ('\r' or '\n')) { line.Append((char)c); continue; }
            if (Percent().Match(line.ToString()) is { Success: true } m && int.Parse(m.Groups[1].ValueSpan) > shown)
            {
                int percent = int.Parse(m.Groups[1].ValueSpan);
                step.Advance(percent - shown);
                shown = percent;
            }
            line.Clear();
        }
    }

    [GeneratedRegex(@"\s(\d{1,3})%\s*$")]
    private static partial Regex Percent();
}
