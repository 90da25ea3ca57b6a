using System.Text;
using System.Text.RegularExpressions;
using HpcRun.Build.Posix;
using HpcRun.Image.Formats;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using static System.StringComparison;

namespace HpcRun.Build;

/// <summary>
/// Runs mksquashfs (squashfs-tools 4.5 or later) on a tree, reproducibly: files keep their modification
/// times, and SOURCE_DATE_EPOCH, when given, is handed to mksquashfs, which takes it as the file system's
/// time and clamps only later file times to it (mksquashfs(1), "Environment"); otherwise the file system's
/// time is the image's creation time. Files are owned by root, setuid and setgid bits dropped, device nodes,
/// FIFOs and sockets left out. mksquashfs's progress bar ("n/m p%", on a terminal: <see cref="ChildTool"/>)
/// drives the build's. A file mksquashfs reports it could not read (it would store it empty, or leave it out,
/// and exit 0) fails the build. The image is compressed as <see cref="Compression"/> says.
/// </summary>
internal static partial class SquashFsMaker
{
    public const string Tool = "mksquashfs";

    /// <summary>gzip at level 3 unless the arguments say otherwise: gzip because every reader takes it (the kernel,
    /// libsquashfuse, hpcrun's libdeflate path, Apptainer); level 3 because mksquashfs's default, 9, spends several
    /// times the CPU of level 3 for images a few percent smaller, which read no faster (bench/build-recipe,
    /// bench/pull). `--mksquashfs-args "-Xcompression-level 9"` or "-comp xz" buys the smaller image.</summary>
    public const int GzipLevel = 3;

    /// <summary>The compression arguments for <paramref name="args"/> (checked by <see cref="MksquashfsArgs"/>):
    /// -comp first, then gzip's level when gzip is chosen and the arguments give none, then the arguments.
    /// </summary>
    public static IReadOnlyList<string> Compression(IReadOnlyList<string> args)
    {
        string compressor = MksquashfsArgs.Compressor(args);
        var all = new List<string> { "-comp", compressor };
        if (compressor == MksquashfsArgs.DefaultCompressor && !args.Contains("-Xcompression-level"))
            all.AddRange(["-Xcompression-level", $"{GzipLevel}"]);
        for (int i = 0; i < args.Count; i++)
            if (args[i] == "-comp") i++;
            else all.Add(args[i]);
        return all;
    }

    /// <summary>A file to add to the image without touching the source tree, with its permission bits; it replaces
    /// one at the same path in the tree, and its missing directories are made (mode 0755).</summary>
    public sealed record ExtraFile(string ImagePath, string HostPath, int Mode = 0b110_100_100);

    /// <summary>What to make: <paramref name="Tree"/> into <paramref name="Output"/> at byte <paramref name="Offset"/>;
    /// messages call them <paramref name="TreeName"/> (null: as they are) and <paramref name="OutputName"/>.
    /// <paramref name="Time"/> (seconds since 1970) is the file system's and the added files' unless
    /// <paramref name="SourceDateEpoch"/> is given; <paramref name="Exclude"/>: paths in the tree to leave out;
    /// <paramref name="Pseudo"/>: more arguments defining files ("-p", definition...); <paramref name="Compression"/>:
    /// the arguments <see cref="SquashFsMaker.Compression"/> gives.</summary>
    public sealed record Job(string Tree, string? TreeName, string Output, string OutputName, long Offset, long Time,
        long? SourceDateEpoch, IReadOnlyList<string> Compression, IReadOnlyList<ExtraFile>? Extras = null,
        IReadOnlyList<string>? Exclude = null, IReadOnlyList<string>? Pseudo = null);

    public static void Make(Job job, IBuildReporter reporter, CancellationToken cancel)
    {
        var args = new List<string>
        {
            job.Tree, job.Output, "-noappend", "-quiet", "-all-root",
            "-action", "chmod(ug-s)@perm(/u+s,g+s)", "-action", "exclude@type(b) || type(c) || type(p) || type(s)",
        };
        // mksquashfs refuses -mkfs-time together with SOURCE_DATE_EPOCH, which sets that time itself.
        if (job.SourceDateEpoch is null) args.AddRange(["-mkfs-time", $"{job.Time}"]);
        if (job.Offset > 0) args.AddRange(["-offset", $"{job.Offset}"]);
        args.AddRange(job.Compression);
        var exclude = new List<string>(job.Exclude ?? []);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        string time = $"{job.SourceDateEpoch ?? job.Time}";
        foreach (ExtraFile extra in job.Extras ?? [])
        {
            string inImage = extra.ImagePath.TrimStart('/');
            for (int slash = inImage.IndexOf('/'); slash > 0; slash = inImage.IndexOf('/', slash + 1))
                if (directories.Add(inImage[..slash])) args.AddRange(["-p", $"/{inImage[..slash]} D {time} 755 0 0"]);
            string mode = Convert.ToString(extra.Mode, 8);
            args.AddRange(["-p", $"/{inImage} F {time} {mode} 0 0 cat {ShellQuote(extra.HostPath)}"]);
            if (Libc.Stat(Libc.Cwd, $"{job.Tree}/{inImage}") is not null) exclude.Add(inImage);
        }
        args.AddRange(job.Pseudo ?? []);
        if (exclude.Count > 0) args.AddRange(["-e", .. exclude]); // -e takes the rest of the command line
        Run(job, args, reporter, cancel);
    }

    /// <summary>What to do when mksquashfs or unsquashfs is missing.</summary>
    public const string Install = "install squashfs-tools (Debian/Ubuntu: apt install squashfs-tools)";

    private static void Run(Job job, List<string> args, IBuildReporter reporter, CancellationToken cancel)
    {
        var environment = ChildTool.InheritedEnvironment()
            .Where(e => !e.StartsWith("SOURCE_DATE_EPOCH=", Ordinal)).ToList();
        if (job.SourceDateEpoch is { } epoch) environment.Add($"SOURCE_DATE_EPOCH={epoch}");
        using IBuildStep step = reporter.Step("making the SquashFS file system", 100);
        ChildTool child;
        try { child = ChildTool.Start(Tool, args, environment); }
        catch (FileNotFoundException)
        {
            throw new ImageBuildException($"{Tool} not found: {Install}", BuildFailure.ToolMissing);
        }
        using (child)
        using (cancel.Register(child.Kill))
        {
            FollowProgress(child, step);
            var (code, signal) = child.Wait();
            cancel.ThrowIfCancellationRequested();
            // SIGINT, SIGTERM or SIGHUP sent to mksquashfs too (Slurm signals every process of a step): the build ends.
            if (signal is 1 or 2 or 15) throw ImageBuildException.Interruption(signal);
            Check(job, code, signal, Lines(child.Errors()));
            step.Done();
        }
    }

    /// <summary>Throws when mksquashfs failed, or said it stored a file empty or left one out.</summary>
    private static void Check(Job job, int code, int signal, string[] errors)
    {
        if (code != 0 || signal != 0)
        {
            string why = Clean(errors.LastOrDefault() ?? (signal != 0 ? $"killed by signal {signal}" : ""), job);
            // Said before its last line ("Write failed because No space left on device", then "FATAL ERROR:
            // Failed to write to output filesystem").
            if (errors.Select(ImageBuildException.FullIn).FirstOrDefault(w => w is not null) is { } full)
                throw ImageBuildException.Full(Shown.Path(job.OutputName), full);
            throw new ImageBuildException($"{Tool} failed (exit {code}): {why}");
        }
        // Not lost: an -e path mksquashfs cannot stat ("Cannot stat exclude"), or one it cannot open as it scans
        // (one longer than PATH_MAX), which the build left out on purpose.
        string? lost = errors.FirstOrDefault(e => Lost().IsMatch(e) && !e.StartsWith("Cannot stat exclude", Ordinal)
            && !(job.Exclude ?? []).Any(path => e.Contains($" {job.Tree}/{path} because", Ordinal)));
        if (lost is not null) throw SourceLost(Tool, Clean(lost, job));
    }

    /// <summary>The failure of a build whose <paramref name="reader"/> (mksquashfs, or hpcrun's own writer:
    /// <see cref="DirectorySquashFs"/>) could not read a file of the source in full; <paramref name="detail"/> names
    /// it and says why.</summary>
    public static ImageBuildException SourceLost(string reader, string detail) =>
        new($"{reader} could not read a file of the source: {detail}", BuildFailure.SourceUnreadable);

    /// <summary>mksquashfs redraws its bar with '\r'; each redraw ends in "n/m p%".</summary>
    private static void FollowProgress(ChildTool child, IBuildStep step)
    {
        var line = new StringBuilder();
        byte[] buffer = new byte[4096];
        int shown = 0;
        for (int n; (n = child.Read(buffer)) > 0;)
            foreach (char c in Encoding.ASCII.GetString(buffer, 0, n))
            {
                if (c is not ('\r' or '\n')) { line.Append(c); continue; }
                Match bar = Percent().Match(line.ToString());
                int percent = bar.Success ? int.Parse(bar.Groups[1].ValueSpan) : 0;
                if (percent > shown)
                {
                    step.Advance(percent - shown);
                    shown = percent;
                }
                line.Clear();
            }
    }

    /// <summary>A message in the user's names: no scratch directory (the user knows the image by its name).</summary>
    private static string Clean(string message, Job job)
    {
        message = message.Replace(job.Output, job.OutputName);
        return Shown.Path(job.TreeName is null ? message : message.Replace(job.Tree, job.TreeName));
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string ShellQuote(string text) => $"'{text.Replace("'", "'\\''")}'";

    [GeneratedRegex(@"\s(\d{1,3})%\s*$")]
    private static partial Regex Percent();

    /// <summary>mksquashfs's reports of what it left out or stored empty (mksquashfs.c, 4.5.1).</summary>
    [GeneratedRegex(@"(, creating empty file| - skipping \.\.\.|, skipping\.\.\.|, ignoring)$")]
    private static partial Regex Lost();
}
