using HpcRun.Image;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>
/// The `hpcrun build` that a refusal of an image archive or OCI layout gives (a launch, inspect, doctor, bench or pull
/// of one), made so that it works as given: the build refuses to replace a file (80) and cannot write where the user
/// may not (a job that starts in /), so OUT is a SIF that is not there, in the current directory when the user may
/// write there, else beside the archive, else in the home; and what a pull was told that the build needs too (its
/// OUT, --dir, --force) is carried over.
/// </summary>
public static class ArchiveBuild
{
    /// <summary>Where and how the user asked for the image (a pull's OUT, --dir, --force); none for a launch.</summary>
    public sealed record Asked(string? Output = null, string? Directory = null, bool Force = false)
    {
        public static readonly Asked Nothing = new();
    }

    /// <summary>The extensions an archive's name loses in OUT's (app.tar.gz, app.tgz: app.sif), in the order they
    /// are taken off: those of the compressions the build reads (gzip, xz, zstd), then the tar's.</summary>
    private static readonly string[] Extensions = [".gz", ".xz", ".zst", ".zstd", ".tgz", ".txz", ".tzst", ".tar"];

    /// <summary>`hpcrun build [--force] OUT SOURCE` for <paramref name="source"/>, the archive or layout at
    /// <paramref name="path"/> (itself when named bare), quoted for a shell; and that OUT.</summary>
    /// <param name="exists">Whether a path is there (OUT must not be, unless it is the user's own).</param>
    /// <param name="writable">Whether the user may make files in a directory; by default access(2)'s answer.</param>
    public static (string Command, string Output) Command(string source, string path, Func<string, bool> exists,
        Asked? asked = null, Func<string, bool>? writable = null)
    {
        asked ??= Asked.Nothing;
        string output = asked.Output is { } given ? Join(asked.Directory, given)
            : FreeName(asked.Directory ?? Directory(path, writable ?? PosixFile.CanWriteIn), Name(path), exists);
        string quoted = Shown.Visible(ShellWords.Quote(output));
        return ($"hpcrun build {(asked.Force ? "--force " : "")}{quoted} {Shown.Visible(ShellWords.Quote(source))}",
            quoted);
    }

    /// <summary>Where OUT goes when the user named none: the current directory (null: OUT is named relative to
    /// it), else the archive's, else the home, the first that the user may write in; the current one when none is.
    /// </summary>
    private static string? Directory(string path, Func<string, bool> writable)
    {
        if (writable(".")) return null;
        string beside = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))) ?? "/";
        string? home = Environment.GetEnvironmentVariable("HOME");
        return writable(beside) ? beside : home is { Length: > 0 } && writable(home) ? home : null;
    }

    /// <summary>The archive's or layout's name without its extensions (<see cref="Extensions"/>); "image" when it
    /// has none to give.</summary>
    private static string Name(string path)
    {
        string name = Path.GetFileName(path.TrimEnd('/'));
        foreach (string extension in Extensions)
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) name = name[..^extension.Length];
        return name is "" or "." or ".." ? "image" : name;
    }

    /// <summary>NAME.sif in <paramref name="directory"/>, NAME-2.sif, NAME-3.sif... when that
    /// <paramref name="exists"/>.</summary>
    private static string FreeName(string? directory, string name, Func<string, bool> exists)
    {
        string output = Join(directory, $"{name}.sif");
        for (int n = 2; exists(output); n++) output = Join(directory, $"{name}-{n}.sif");
        return output;
    }

    /// <summary>As pull joins --dir and OUT (an absolute OUT stands alone).</summary>
    private static string Join(string? directory, string name) =>
        directory is null ? name : Path.Combine(directory, name);
}
