using HpcRun.Image;
using HpcRun.Image.Posix;
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
    /// of it, named after its file (<see cref="BuildFirst"/>); null when it is no transport form.</summary>
    public static string? Refusal(string source, Func<string, bool> exists) =>
        Split(source, exists) is { } named ? BuildFirst(source, named.Path, exists) : null;

    /// <summary><see cref="Split"/>, and what the transport names checked on this machine: `oci:` an OCI layout (a
    /// directory with its oci-layout file), the archives a file. <paramref name="orMissing"/>: a path that is not
    /// there passes, for a caller that says so in its own words (build: "build source not found").</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for no path after the transport or an
    /// image picked by its place (<see cref="ArchiveReference.IndexRefusal"/>), 66
    /// (<see cref="ExitCode.ImageNotFound"/>) for nothing there, 65 (<see cref="ExitCode.BadImage"/>) for another
    /// kind of file, or an archive that holds no image archive's names (<see cref="ArchiveContent"/>: the build
    /// would refuse it so) or is in the format of Docker before 1.10.</exception>
    public static (string Path, string? Named)? Existing(string source, bool orMissing = false)
    {
        if (Split(source, Path.Exists) is not { } split) return null;
        string path = split.Path, shown = Shown.Path(source);
        if (ArchiveReference.IndexRefusal(split.Named) is { } index)
            throw new HpcRunException(ExitCode.Usage, $"{shown}: {index}");
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
        // A FIFO or a device is no archive, and is not opened: a FIFO would wait for a writer.
        if (!layout && Libc.Type(Libc.Cwd, path) != Libc.S_IFREG)
            throw new HpcRunException(ExitCode.BadImage, $"{shown}: not an archive: {Shown.Path(path)} is no file");
        ArchiveKind? content = layout ? null : Content(path, shown);
        if (content == ArchiveKind.OldDockerSave)
            throw new HpcRunException(ExitCode.BadImage, ArchiveContent.OldDockerSave(shown));
        if (content is ArchiveKind.OtherTar or ArchiveKind.NotTar)
            throw new HpcRunException(ExitCode.BadImage, NoImageArchive(shown, path));
        return split;
    }

    /// <summary>The one line that refuses to launch <paramref name="source"/>, an archive or layout at
    /// <paramref name="path"/> (itself when named bare: app.tar, ./layout), and gives the build that makes a SIF of
    /// it (<see cref="ArchiveBuild"/>: to a file that does not exist, by <paramref name="exists"/>).</summary>
    public static string BuildFirst(string source, string path, Func<string, bool> exists) =>
        $"{Shown.Path(source)}: hpcrun runs an image archive or OCI layout once it is built into a SIF: " +
        BuildThenRun(source, path, exists);

    /// <summary>"hpcrun build OUT SOURCE, then run OUT" of <see cref="BuildFirst"/>, quoted for a shell.</summary>
    public static string BuildThenRun(string source, string path, Func<string, bool> exists)
    {
        (string command, string output) = ArchiveBuild.Command(source, path, exists);
        return $"{command}, then run {output}";
    }

    /// <summary>Throws <see cref="Refusal"/>'s line, if any.</summary>
    /// <exception cref="HpcRunException">83 (<see cref="ExitCode.ImageNeedsBuild"/>).</exception>
    public static void Check(string source, Func<string, bool> exists)
    {
        if (Refusal(source, exists) is { } line) throw new HpcRunException(ExitCode.ImageNeedsBuild, line);
    }

    /// <summary>Throws the launch's refusal of <paramref name="image"/> when it names an image archive or OCI
    /// layout, through a transport (<see cref="Existing"/>, <see cref="Check"/>) or bare (<see cref="IsBare"/>),
    /// for a verb that checks an image in its own words otherwise (doctor).</summary>
    /// <exception cref="HpcRunException">64, 65 or 66 as <see cref="Existing"/>; 83
    /// (<see cref="ExitCode.ImageNeedsBuild"/>).</exception>
    public static void CheckAny(string image)
    {
        Existing(image);
        Check(image, Path.Exists);
        if (IsBare(image)) throw new HpcRunException(ExitCode.ImageNeedsBuild, BuildFirst(image, image, Path.Exists));
    }

    /// <summary>Whether <paramref name="path"/>, named bare, is what `hpcrun build` reads as an image archive or OCI
    /// layout: a directory with their names at its top, or a tar, plain or gzip'd, with them among its entries
    /// (<see cref="ArchiveContent"/>). A SquashFS or SIF is not, nor what cannot be read (the caller says so in its
    /// words), nor a FIFO or a device, which is not opened (a FIFO would wait for a writer).</summary>
    public static bool IsBare(string path)
    {
        uint? type = Libc.Type(Libc.Cwd, path);
        if (type == Libc.S_IFDIR) return ArchiveContent.IsLayoutDirectory(path);
        if (type != Libc.S_IFREG || ImageSource.LooksLikeImageFile(path)) return false;
        try { return ArchiveContent.Look(path) == ArchiveKind.ImageArchive; }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return false; }
    }

    /// <summary>What the archive at <paramref name="path"/> holds (<see cref="ArchiveContent.Look"/>).</summary>
    /// <exception cref="HpcRunException">66 (<see cref="ExitCode.ImageNotFound"/>) when it cannot be read
    /// (<paramref name="shown"/> names it).</exception>
    public static ArchiveKind Content(string path, string shown)
    {
        try { return ArchiveContent.Look(path); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new HpcRunException(ExitCode.ImageNotFound, $"image not readable: {shown}"); }
    }

    /// <summary>The line that refuses <paramref name="shown"/>, whose file at <paramref name="path"/> is no image
    /// archive (<see cref="ArchiveContent"/>), in the build's words.</summary>
    public static string NoImageArchive(string shown, string path) =>
        $"{shown}: {Shown.Path(path)} is neither a docker save archive nor an OCI layout";
}
