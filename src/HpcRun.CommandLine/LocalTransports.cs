using HpcRun.Image;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>
/// Apptainer's transports for local images: `docker-archive:FILE[:NAME:TAG]` (a `docker save` tar),
/// `oci-archive:FILE[:TAG]` and `oci:DIR[:TAG]` (an OCI layout, as a tar or a directory). `hpcrun build` takes them
/// as sources. The launch verbs do not: Apptainer unpacks such an image into its cache at every launch of a new
/// archive, where hpcrun runs one file mounted in place, so a launch refuses one in a line that gives the build that
/// makes that file, once (status 83), as it does for a recipe given as the image.
/// </summary>
public static class LocalTransports
{
    private static readonly string[] Prefixes = ["docker-archive:", "oci-archive:", "oci:"];

    /// <summary>The path <paramref name="source"/> names after its transport and the image named after it
    /// (<see cref="ArchiveReference.Split"/>); null when <paramref name="source"/> is no transport form, or a path
    /// that <paramref name="exists"/> with its colons (a path stays a path).</summary>
    public static (string Path, string? Named)? Split(string source, Func<string, bool> exists)
    {
        foreach (string prefix in Prefixes)
        {
            if (!source.StartsWith(prefix, StringComparison.Ordinal) || exists(source)) continue;
            return ArchiveReference.Split(source[prefix.Length..], exists);
        }
        return null;
    }

    /// <summary>The one line that refuses to launch <paramref name="source"/> and gives the build that makes a SIF
    /// of it, named after its file; null when it is no transport form.</summary>
    public static string? Refusal(string source, Func<string, bool> exists) =>
        Split(source, exists) is { } named ? BuildFirst(source, named.Path) : null;

    /// <summary><see cref="Split"/>, and what the transport names checked on this machine: `oci:` an OCI layout (a
    /// directory with its oci-layout file), the archives a file. <paramref name="orMissing"/>: a path that is not
    /// there passes, for a caller that says so in its own words (build: "build source not found").</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for no path after the transport, 66
    /// (<see cref="ExitCode.ImageNotFound"/>) for nothing there, 65 (<see cref="ExitCode.BadImage"/>) for another
    /// kind of file.</exception>
    public static (string Path, string? Named)? Existing(string source, bool orMissing = false)
    {
        if (Split(source, Path.Exists) is not { } split) return null;
        string path = split.Path, shown = Shown.Path(source);
        if (orMissing && path.Length > 0 && !Path.Exists(path)) return split;
        if (path.Length == 0)
        {
            throw new HpcRunException(ExitCode.Usage,
                $"'{shown}': give the archive's or layout's path after the colon");
        }
        if (!Path.Exists(path)) throw new HpcRunException(ExitCode.ImageNotFound, $"image not found: {shown}");
        bool layout = source.StartsWith("oci:", StringComparison.Ordinal);
        if (layout && !File.Exists(System.IO.Path.Combine(path, "oci-layout")))
            throw new HpcRunException(ExitCode.BadImage, $"{shown}: not an OCI layout (it has no oci-layout file)");
        if (!layout && !File.Exists(path))
            throw new HpcRunException(ExitCode.BadImage, $"{shown}: not an archive: {Shown.Path(path)} is no file");
        return split;
    }

    /// <summary>The one line that refuses to launch <paramref name="source"/>, an archive or layout at
    /// <paramref name="path"/> (itself when named bare: app.tar, ./layout), and gives the build that makes a SIF of
    /// it, named after its file.</summary>
    public static string BuildFirst(string source, string path)
    {
        string output = Shown.Visible(ShellWords.Quote(OutputName(path)));
        return $"{Shown.Path(source)}: hpcrun runs an image archive or OCI layout once it is built into a SIF: " +
            $"hpcrun build {output} {Shown.Visible(ShellWords.Quote(source))}, then run {output}";
    }

    /// <summary>Throws <see cref="Refusal"/>'s line, if any.</summary>
    /// <exception cref="HpcRunException">83 (<see cref="ExitCode.ImageNeedsBuild"/>).</exception>
    public static void Check(string source, Func<string, bool> exists)
    {
        if (Refusal(source, exists) is { } line) throw new HpcRunException(ExitCode.ImageNeedsBuild, line);
    }

    /// <summary>NAME.sif for the archive or layout at <paramref name="path"/>: its name without the archive's
    /// extensions (app.tar.gz, app.tgz: app.sif), image.sif when it has none to give.</summary>
    private static string OutputName(string path)
    {
        string name = Path.GetFileName(path.TrimEnd('/'));
        foreach (string extension in new[] { ".gz", ".xz", ".zst", ".tgz", ".tar" })
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) name = name[..^extension.Length];
        return name is "" or "." or ".." ? "image.sif" : $"{name}.sif";
    }
}
