using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Sif;

namespace HpcRun.Build.Recipe;

/// <summary>
/// A stage's FROM: `scratch`, a registry reference (pulled into the image cache by the caller's puller), or a local
/// SIF, SquashFS, directory, `docker save` archive or OCI layout. <see cref="Identity"/> keys the build cache: a
/// pulled image's manifest (its cached SIF is named by it), a local file's path and metadata, a local directory's
/// path and its whole tree's metadata (<see cref="TreeIdentity"/>): a file changed anywhere in it is another base.
/// </summary>
internal sealed record BaseImage(string Identity, string? ImageFile, string? Directory)
{
    public static readonly BaseImage Scratch = new("scratch", null, null) { Kind = BaseKind.Scratch };

    /// <summary>What the base is, for what FROM --platform may ask of it (<see cref="PlatformRefusal"/>).</summary>
    public BaseKind Kind { get; init; } = BaseKind.Archive;

    /// <summary>The image an archive or layout gives <see cref="Unpack"/>: FROM --platform's, else --platform's; null:
    /// the host's.</summary>
    public string? Platform { get; init; }

    /// <summary>Resolves <paramref name="from"/> (<paramref name="term"/>: how messages name it, `FROM x` or
    /// `From: x`): a path when it starts with '/' or '.', or names something that exists, relative to the current
    /// directory (as Apptainer's `Bootstrap: localimage` resolves `From:`); else a registry reference, unless it
    /// looks like a local file (<see cref="LooksLocal"/>) and is not written as docker://: then a
    /// <see cref="FileNotFoundException"/> says so instead of asking a registry for it.</summary>
    /// <param name="platform">FROM --platform (expanded), or null: which platform to pull of a registry image.</param>
    /// <param name="archiveAgent">A definition file's `Bootstrap: docker-archive|oci|oci-archive`: the base must be an
    /// archive or layout (<see cref="Archive"/>).</param>
    public static BaseImage Resolve(string from, string term, string? platform, RecipeRequest request,
        IBuildReporter reporter, CancellationToken cancel, string? archiveAgent = null)
    {
        BaseImage found = archiveAgent is null ? Find(from, term, platform, request, reporter, cancel)
            : Archive(from, term, archiveAgent, request, reporter, cancel);
        return found with { Platform = platform ?? request.Platform };
    }

    /// <summary>The image a tag names in an archive or layout (<see cref="Tag"/>); null: the one it holds, or the
    /// platform's.</summary>
    public string? Tag { get; init; }

    /// <summary>`Bootstrap: docker-archive|oci|oci-archive` with `From: FILE[:TAG]` (<paramref name="from"/>): the
    /// `docker save` archive or OCI layout (a directory or a tar: hpcrun tells them apart by their content, as for
    /// `hpcrun build OUT SOURCE`), read as `Bootstrap: localimage` reads one, the tag choosing its image and keying
    /// the build cache with it. Anything else (a SIF, SquashFS or root directory) is what localimage reads: refused
    /// rather than built under an agent that says it is not.</summary>
    private static BaseImage Archive(string from, string term, string agent, RecipeRequest request,
        IBuildReporter reporter, CancellationToken cancel)
    {
        (string path, string? tag) = ArchiveReference.Split(from, Path.Exists);
        if (!Path.Exists(path)) throw new MissingFileException($"{term}: not found", path);
        BaseImage found = Find(path, term, null, request, reporter, cancel);
        string kind = found.Kind == BaseKind.Directory ? "a directory" : "an image file";
        if (found.Kind != BaseKind.Archive)
            throw new ImageFormatException($"{Shown(from)}: {kind}, not a docker save archive or OCI layout, which " +
                $"Bootstrap: {agent} reads (Bootstrap: localimage builds from it)");
        return tag is null ? found : found with { Tag = tag, Identity = $"{found.Identity} tag {tag}" };
    }

    /// <summary>The platform a SIF names (linux/ARCH of its primary partition's architecture); null for other bases,
    /// or a SIF that names none.</summary>
    public string? SifPlatform => Kind == BaseKind.Sif ? PlatformOf(ImageFile!) : null;

    /// <summary>The platform the SIF <paramref name="image"/> says it holds (linux/ARCH of
    /// <see cref="SifFile.PrimaryArchitecture"/>); null for a SquashFS, which says none, or a SIF that names
    /// none.</summary>
    private static string? PlatformOf(string image) =>
        ImageSource.Probe(image).Architecture is { } architecture ? $"linux/{architecture}" : null;

    private static BaseImage Find(string from, string term, string? platform, RecipeRequest request,
        IBuildReporter reporter, CancellationToken cancel)
    {
        if (from == "scratch") return Scratch;
        bool path = from.StartsWith('/') || from.StartsWith('.') || Path.Exists(from);
        if (!path)
        {
            if (!ImageReference.IsReference(from) && LooksLocal(from, request.Context) is { } why)
                throw new MissingFileException($"{term}: no such file in the current directory " +
                    $"{Shown(System.IO.Directory.GetCurrentDirectory())} (a local FROM is relative to it){why}", from);
            string reference = ImageReference.IsReference(from) ? from : ImageReference.Scheme + from;
            string sif = request.Pull(reference, platform ?? request.Platform, reporter, cancel);
            return new BaseImage($"registry {Path.GetFileName(sif)}", sif, null) { Kind = BaseKind.Registry };
        }
        string full = Path.GetFullPath(from);
        if (!Path.Exists(full)) throw new MissingFileException($"{term}: not found", from);
        if (System.IO.Directory.Exists(full) && ArchiveContent.IsOldDockerSave(full)) // not a root file system
            throw new ImageFormatException(ArchiveContent.OldDockerSave(Shown(from)));
        string identity = $"local {full} {TreeIdentity.Of(full, cancel)}";
        bool archive = File.Exists(Path.Combine(full, "oci-layout"))
            || File.Exists(Path.Combine(full, "manifest.json"));
        if (System.IO.Directory.Exists(full) && !archive)
            return new(identity, null, full) { Kind = BaseKind.Directory };
        BaseKind kind = !ImageSource.LooksLikeImageFile(full) ? BaseKind.Archive
            : ImageSource.Probe(full).Kind == ImageKind.Sif ? BaseKind.Sif : BaseKind.SquashFs;
        return new BaseImage(identity, full, null) { Kind = kind };
    }

    /// <summary>Why a stage's `FROM --platform=<paramref name="asked"/>` cannot be had of a base of
    /// <paramref name="kind"/>, or null when it can. A registry image (pulled for that platform), a `docker save`
    /// archive or OCI layout (the image for it chosen from those it holds) and `scratch` (an empty image of that
    /// platform, as BuildKit's) give any platform; a SIF only the one it was built for (<paramref name="sifPlatform"/>,
    /// from its primary partition); a directory or SquashFS records none, and hpcrun takes it as the build's own
    /// (<paramref name="target"/>: `hpcrun build --platform`, else the host's), so FROM --platform can only name that:
    /// a platform cannot be chosen of a local tree, and taking another silently would record an image as what it is
    /// not.</summary>
    public static string? PlatformRefusal(BaseKind kind, string asked, string target, string? sifPlatform) =>
        kind switch
        {
            BaseKind.Sif when sifPlatform is not null && sifPlatform != asked =>
                $"the SIF is {sifPlatform}, the one platform it holds: leave --platform out, or start from an image " +
                $"for {asked}",
            BaseKind.Directory or BaseKind.SquashFs when asked != target =>
                $"a {(kind == BaseKind.Directory ? "directory" : "SquashFS image")} holds one platform, which hpcrun " +
                $"can neither choose nor read, and builds it as {target}: leave --platform out (hpcrun build " +
                "--platform OS/ARCH says which platform the image is), or start from a registry image, an OCI " +
                $"layout or a docker save archive that has {asked}",
            _ => null,
        };

    private static readonly string[] ImageSuffixes = [".sif", ".sqfs", ".squashfs", ".img", ".tar", ".tar.gz",
        ".tgz"];

    /// <summary>Why <paramref name="from"/>, which names nothing in the current directory, is meant as a local
    /// file rather than a registry reference: it is in the build <paramref name="context"/> (the text then says which
    /// path to give), ends like an image file (.sif, .sqfs, .tar...), or starts with a directory that exists here or
    /// in the context. Null: a registry reference.</summary>
    internal static string? LooksLocal(string from, string context)
    {
        string inContext = Path.Combine(context, from);
        if (Path.Exists(inContext))
            return $"; the build context has it: give {Path.GetRelativePath(".", inContext)} or an absolute path";
        int slash = from.IndexOf('/');
        bool local = ImageSuffixes.Any(s => from.EndsWith(s, StringComparison.OrdinalIgnoreCase))
            || slash > 0 && (System.IO.Directory.Exists(from[..slash])
                || System.IO.Directory.Exists(Path.Combine(context, from[..slash])));
        return local ? "" : null;
    }

    /// <summary>Whether <see cref="Unpack"/> costs no more than copying the tree from the build cache: `scratch`, a
    /// directory, SIF or SquashFS (an archive or layout is built into a SIF first).</summary>
    public bool Reread => ImageFile is null || ImageSource.LooksLikeImageFile(ImageFile);

    /// <summary>Puts the image's tree into the empty directory <paramref name="tree"/>; returns its config and the
    /// platform it says it is (<see cref="PlatformOf"/>: a SIF's, that of the image an archive or layout gave; null
    /// for a directory, SquashFS or `scratch`, which say none).</summary>
    public (ImageConfig Config, string? Platform) Unpack(string tree, string scratch, RecipeRequest request,
        IBuildReporter reporter, CancellationToken cancel)
    {
        System.IO.Directory.CreateDirectory(tree);
        if (Directory is not null)
        {
            CopyDirectory(tree, request.SkipUnreadable, reporter, cancel);
            return (InTree(tree), null);
        }
        if (ImageFile is null) return (ImageConfig.Empty, null);
        string image = ImageFile;
        if (!ImageSource.LooksLikeImageFile(image))
        {
            image = Path.Combine(scratch, $"base-{Guid.NewGuid():N}.sif"); // an archive or layout: built first
            ImageBuilder.Build(new BuildRequest(image, ImageFile, Platform: Platform, Tag: Tag), request.Version,
                reporter, cancel);
        }
        ImageSource source = ImageSource.Probe(image);
        var skipped = new SkippedEntries(Shown(ImageFile));
        using (IBuildStep step = reporter.Step($"unpacking {Shown(ImageFile)}", null))
        {
            (int status, string errors) = TreeCopy.Run("unsquashfs", ["-no-progress", "-quiet", "-no-xattrs",
                "-force", "-offset", $"{source.Offset}", "-dest", tree, image], cancel, check: false);
            UnsquashfsErrors.Check(status, errors, Shown(ImageFile), tree, skipped);
            step.Done();
        }
        skipped.Report(reporter);
        string? platform = PlatformOf(image);
        if (image != ImageFile) File.Delete(image);
        return (source.EmbeddedConfig ?? InTree(tree), platform);
    }

    /// <summary>Copies the base directory into <paramref name="tree"/>. What cp cannot read is what
    /// `hpcrun build OUT DIR` refuses (<see cref="DirectoryScan"/>: 81, naming the file), or with
    /// <paramref name="skipUnreadable"/> leaves out with the same warning; the tree is walked only when cp failed, so
    /// a readable base costs the copy alone. The device nodes cp cannot make are left out with a warning, as a
    /// layer's are. Any other failure of cp is said as <see cref="TreeCopy.Copy"/> says it.</summary>
    private void CopyDirectory(string tree, bool skipUnreadable, IBuildReporter reporter, CancellationToken cancel)
    {
        var devices = new List<string>();
        string[] errors = TreeCopy.CopyErrors(Directory!, tree, cancel, devices);
        var skipped = new SkippedEntries(Shown(Directory!));
        foreach (string device in devices)
            skipped.AddDevice(device, Libc.Type(Libc.Cwd, Path.Combine(Directory!, device)) == Libc.S_IFBLK);
        skipped.Report(reporter);
        if (errors.Length == 0) return;
        IReadOnlyList<string> left = DirectoryScan.Check(Directory!, skipUnreadable, reporter, cancel,
            devicesSaid: true);
        foreach (string path in left) TreeCopy.Remove(Path.Combine(tree, path)); // an unreadable directory's copy
        string[] named = [.. left.Select(path => $"{Directory}/./{path}")];
        if (errors.FirstOrDefault(line => !named.Any(path => line.Contains(path, StringComparison.Ordinal)))
            is { } other)
            throw TreeCopy.Failed(Directory!, other);
    }

    /// <summary>The config a directory or SquashFS base carries in its tree, read as `hpcrun build OUT DIR` reads it:
    /// inside the tree (a `/.hpcrun/config.json -> /proc/self/environ` of the base leads to no host file), and a
    /// malformed one is <see cref="ImageFormatException"/>.</summary>
    private static ImageConfig InTree(string tree)
    {
        using var source = new SourceTree(TreeFiles.Open(tree));
        return ImageBuilder.InTreeConfig(source);
    }

    private static string Shown(string path) => HpcRun.Image.Text.Shown.Path(path);
}

/// <summary>The kinds of base a stage's FROM names.</summary>
internal enum BaseKind { Scratch, Registry, Directory, SquashFs, Sif, Archive }
