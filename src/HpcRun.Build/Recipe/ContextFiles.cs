using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// The build context of COPY and ADD (and %files): sources are read only inside it. A source whose path climbs
/// out (`../../etc/passwd`) or leads out through a symlink is refused; a source named (or matched by a wildcard)
/// that is a symlink is followed, as BuildKit follows it, and symlinks inside a copied directory are copied as
/// symlinks. Another stage's tree (<see cref="Stage"/>) is read as its root: a symlink in it, absolute or not,
/// is followed inside it. The Dockerfile's ignore file (<see cref="IgnoreFile"/>: its own
/// `NAME.dockerignore`, else `.dockerignore` at the context's top) leaves paths out (its patterns as Docker reads
/// them: `*`, `?`, `**`, `!` exceptions, the last match deciding). The chosen files are packed into a tar and applied
/// to the tree as a layer (<see cref="LayerFlattener"/>: every write resolved inside the tree, modes and modification
/// times kept), and hashed for the build cache. A definition file's %files reads the host as Apptainer's
/// CopyFromHost (`cp -fLr`) does instead (<see cref="OnHost"/>): a source is any path relative to the current
/// directory or absolute, `..` included, and every symlink is followed (one that leads nowhere, or back to a
/// directory it is in, is refused).
/// </summary>
internal sealed class ContextFiles
{
    private readonly string context;
    private readonly List<(Regex Pattern, bool Exclude)> ignore;
    private readonly string place;
    private readonly string? ignoreName;
    private readonly bool follow, inRoot;

    private ContextFiles(string context, List<(Regex, bool)> ignore, string place, string? ignoreName, bool follow,
        bool inRoot) =>
        (this.context, this.ignore, this.place, this.ignoreName, this.follow, this.inRoot) =
        (context, ignore, place, ignoreName, follow, inRoot);

    /// <summary>A file or directory chosen: its path in the context, its path below the destination, and the source
    /// match it belongs to (a directory's entries all name the directory).</summary>
    public readonly record struct Chosen(string Relative, string Target, string Top);

    /// <summary>The ignore file of a Dockerfile's context, as BuildKit chooses it: the Dockerfile's own
    /// (`RECIPE.dockerignore` beside it: `app.dockerfile.dockerignore`, `Dockerfile.dockerignore`) wins over the
    /// context's `.dockerignore`; null when there is neither. A recipe read from stdin (`-f -`) has no file beside
    /// it, as docker's writes it to a directory of its own.</summary>
    public static string? IgnoreFile(string recipe, string context) =>
        ((string[])(recipe == "-" ? [] : [recipe + ".dockerignore"])).Append(Path.Combine(context, ".dockerignore"))
            .FirstOrDefault(File.Exists);

    /// <summary>The context <paramref name="context"/>; <paramref name="ignoreFile"/>: the ignore file whose patterns
    /// leave paths out (a Dockerfile's context only, <see cref="IgnoreFile"/>: not another stage's tree, nor a
    /// definition file's %files); <paramref name="place"/>: how messages name it ("the build context", "stage build",
    /// "the current directory").</summary>
    public static ContextFiles Open(string context, string? ignoreFile = null, string place = "the build context") =>
        Open(context, ignoreFile, place, follow: false, inRoot: false);

    /// <summary>The tree of an earlier stage (`COPY --from`), <paramref name="place"/> naming it ("stage build"):
    /// its paths and symlinks are resolved with the tree as their root, as BuildKit resolves them in the stage's
    /// root, never on the host.</summary>
    public static ContextFiles Stage(string tree, string place) =>
        Open(tree, ignoreFile: null, place, follow: false, inRoot: true);

    /// <summary>Refuses a build context that is not there (<see cref="MissingFileException"/>, as a missing build
    /// source) or is no directory (<see cref="BuildFailure.RecipeSourceRefused"/>), as `docker build` refuses one
    /// before it starts ("context must be a directory").</summary>
    public static void Check(string context)
    {
        if (Directory.Exists(context)) return;
        if (!Path.Exists(context))
            throw new MissingFileException($"build context not found: {Shown.Path(context)}", context);
        throw new ImageBuildException($"build context {Shown.Path(context)} is not a directory",
            BuildFailure.RecipeSourceRefused);
    }

    private static ContextFiles Open(string context, string? ignoreFile, string place, bool follow, bool inRoot)
    {
        string full = Path.GetFullPath(context);
        Check(full);
        var rules = new List<(Regex, bool)>();
        if (ignoreFile is not null)
            foreach (string raw in ReadLines(ignoreFile))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                bool exclude = !line.StartsWith('!');
                string pattern = Path.TrimEndingDirectorySeparator(exclude ? line : line[1..].Trim()).TrimStart('/');
                rules.Add((Glob(pattern.StartsWith("./", StringComparison.Ordinal) ? pattern[2..] : pattern), exclude));
            }
        return new ContextFiles(full, rules, place, ignoreFile is null ? null : Path.GetFileName(ignoreFile), follow,
            inRoot);
    }

    private static string[] ReadLines(string file)
    {
        try { return File.ReadAllLines(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageBuildException($"cannot read {Shown.Path(file)}: {IoError.Describe(e)}",
                BuildFailure.RecipeSourceRefused);
        }
    }

    /// <summary>A %files <paramref name="source"/> (a shell pattern: <see cref="GlobPattern"/>) as Apptainer's
    /// CopyFromHost reads it: relative to <paramref name="currentDirectory"/> or absolute, `..` allowed. The context
    /// is the directory its last component (or, with wildcards, the first component that has one) is in, resolved as
    /// the kernel resolves it (symlinks and `..` in that order); the source's rest, still a pattern, is then what
    /// <see cref="Select"/> takes; <c>Directory</c>: the part before it as written, without its backslashes (a
    /// match's own path is that and the match: `%files data/*.txt` with no destination copies to it).</summary>
    public static (ContextFiles Context, string Source, string Directory) OnHost(string source,
        string currentDirectory, Instruction at)
    {
        List<string> parts = [.. source.Split('/', StringSplitOptions.RemoveEmptyEntries)];
        int wild = parts.FindIndex(p => GlobPattern.HasWildcard(p, shell: true));
        int split = wild >= 0 ? wild : Math.Max(parts.Count - 1, 0);
        if (wild < 0 && parts.Count > 0 && GlobPattern.Unescape(parts[^1]) is "." or "..")
            split = parts.Count; // the directory itself
        string written = GlobPattern.Unescape(string.Join('/', parts.Take(split)));
        string directory = source.StartsWith('/') ? "/" + written
            : written.Length == 0 ? currentDirectory : Path.Combine(currentDirectory, written);
        string rest = string.Join('/', parts.Skip(split));
        string physical = RealPath.Resolve(directory) is { } real && Directory.Exists(real) ? real
            : throw new ImageBuildException($"{at.Keyword} at line {at.Line}: {Shown.Path(source)}: no directory " +
                Shown.Path(source.StartsWith('/') || written.Length == 0 ? directory : written),
                BuildFailure.RecipeSourceRefused);
        if (rest.Length == 0 && physical != "/") // `.` or `..`: the directory, by its name in its parent
            (physical, rest) = (Path.GetDirectoryName(physical)!, GlobPattern.Literal(Path.GetFileName(physical)));
        string here = physical == RealPath.Resolve(currentDirectory)
            ? $"the current directory ({Shown.Path(physical)})" : Shown.Path(physical);
        return (Open(physical, ignoreFile: null, here, follow: true, inRoot: false), rest,
            source.StartsWith('/') ? "/" + written : written);
    }

    /// <summary>An ignore file's pattern as a regex over a relative path (<see cref="GlobPattern"/>); it also matches
    /// what lies below a matched directory.</summary>
    private static Regex Glob(string pattern) =>
        new($"^{GlobPattern.ToRegex(pattern, shell: false)}(/.*)?$", RegexOptions.CultureInvariant);

    private bool Ignored(string relative)
    {
        bool ignored = false;
        foreach ((Regex pattern, bool exclude) in ignore)
            if (pattern.IsMatch(relative)) ignored = exclude;
        return ignored;
    }

    /// <summary>The entries <paramref name="sources"/> (as written after COPY) name; throws
    /// <see cref="ImageBuildException"/> for a source outside the context or one that matches nothing.</summary>
    public List<Chosen> Select(IReadOnlyList<string> sources, Instruction at)
    {
        var chosen = new List<Chosen>();
        foreach (string written in sources)
        {
            // As messages name it: a %files path without the backslashes that made its wildcards names.
            string source = follow && !HasWildcard(written) ? GlobPattern.Unescape(written) : written;
            string relative = Confine(written, at);
            bool wild = HasWildcard(relative);
            List<string> matches = wild ? Expand(relative, at) : [];
            // %files: a pattern that matches nothing is the path as written, as the shell leaves it for cp.
            bool none = wild && matches.Count == 0;
            if (matches.Count == 0 && (follow || !wild)) matches = [follow ? GlobPattern.Unescape(relative) : relative];
            if (follow && none && !Path.Exists(Path.Combine(context, matches[0])))
                throw new ImageBuildException($"{at.Keyword} at line {at.Line}: {source} matches nothing in {place}",
                    BuildFailure.RecipeSourceRefused);
            matches = [.. matches.Where(m => m.Length == 0 || !Ignored(m))];
            if (matches.Count == 0) throw NotIn(source, at);
            foreach (string match in matches)
            {
                // What is copied is what the match leads to; it keeps the match's own name (`COPY link.txt /d/`
                // writes /d/link.txt), as BuildKit names it.
                string real = Locate(match, source, at);
                if (real.Length > 0 && Ignored(real)) throw NotIn(source, at);
                if (IsDirectory(real))
                    chosen.AddRange(Walk(real, at)
                        .Select(p => new Chosen(p, p[real.Length..].TrimStart('/'), match)));
                else chosen.Add(new Chosen(real, Path.GetFileName(match), match));
            }
        }
        return chosen;
    }

    /// <summary>Whether <paramref name="relative"/> is a directory (its contents are copied into the destination);
    /// a symlink to one is (COPY's sources and, in %files, every symlink are followed).</summary>
    public bool IsDirectory(string relative) => Directory.Exists(Path.Combine(context, relative));

    private string Confine(string source, Instruction at)
    {
        string full = Path.GetFullPath(Path.Combine(context, source.TrimStart('/')));
        if (full != context && !full.StartsWith(context + "/", StringComparison.Ordinal))
            throw Outside(source, at, $"its path leads outside {place}");
        return Path.GetRelativePath(context, full) is "." ? "" : Path.GetRelativePath(context, full);
    }

    /// <summary>The path in the context, with no symlink in it, of what <paramref name="relative"/> leads to, every
    /// symlink on the way and the last one followed, as BuildKit follows a named source: in the build context with
    /// RESOLVE_BENEATH (a symlink that leads out is EXDEV, refused), in a stage's tree with RESOLVE_IN_ROOT (an
    /// absolute symlink starts at the tree). %files follows symlinks anywhere, as `cp -L`, and takes the path as
    /// written: only that it leads somewhere is checked.</summary>
    private string Locate(string relative, string source, Instruction at)
    {
        if (relative.Length == 0) return relative;
        using RootDir root = RootDir.Open(Cwd, context) ?? throw CannotRead(Shown.Path(context), at, Describe(Errno));
        using SafeFileHandle fd = follow ? Libc.Open(root.Handle, relative, O_PATH)
            : inRoot ? root.Open(relative, O_PATH)
            : OpenAt2(root.Handle, relative, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        if (fd.IsInvalid && Errno == EXDEV) throw Outside(source, at, $"a symlink leads outside {place}");
        if (fd.IsInvalid && Errno == ENOENT && follow && Libc.Stat(root.Handle, relative) is not null)
            throw Dangling(relative, at);
        if (fd.IsInvalid && Errno == ENOENT) throw NotIn(source, at);
        if (fd.IsInvalid) throw CannotRead(source, at, Describe(Errno));
        if (follow) return relative;
        return root.Canonical(fd)?[1..]
            ?? throw CannotRead(source, at, "the path it leads to is longer than the kernel names");
    }

    private ImageBuildException NotIn(string source, Instruction at) =>
        new($"{at.Keyword} at line {at.Line}: {source} is not in {place}" +
            (ignore.Count > 0 ? $" (or {Shown.Path(ignoreName!)} leaves it out)" : ""),
            BuildFailure.RecipeSourceRefused);

    private static ImageBuildException Outside(string source, Instruction at, string why) =>
        new($"{at.Keyword} at line {at.Line} refused: {source}: {why}", BuildFailure.RecipeSourceRefused);

    private static ImageBuildException CannotRead(string source, Instruction at, string why) =>
        new($"{at.Keyword} at line {at.Line}: cannot read {source}: {why}", BuildFailure.RecipeSourceRefused);

    private ImageBuildException Dangling(string relative, Instruction at) =>
        new($"{at.Keyword} at line {at.Line}: {Shown.Path(Path.Combine(context, relative))} is a symlink that leads " +
            "nowhere (symlinks are followed, as Apptainer's cp -L follows them)", BuildFailure.RecipeSourceRefused);

    /// <summary>Whether a source has wildcards: in %files, as a shell pattern (a backslash makes the next character
    /// literal).</summary>
    private bool HasWildcard(string path) => GlobPattern.HasWildcard(path, shell: follow);

    private List<string> Expand(string pattern, Instruction at)
    {
        Regex exact = new($"^{GlobPattern.ToRegex(pattern, shell: follow)}$", RegexOptions.CultureInvariant);
        int depth = pattern.Count(c => c == '/');
        return [.. Walk("", at, depth).Where(p => p.Count(c => c == '/') == depth && exact.IsMatch(p))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The directory <paramref name="relative"/> and everything below it (down to
    /// <paramref name="depth"/> more levels), less what .dockerignore leaves out; in a fixed order. Symlinks are not
    /// followed, except in %files, which follows every one (<paramref name="above"/>: the directories on the way, by
    /// device and inode, so that a symlink back to one of them is refused rather than followed forever).</summary>
    private IEnumerable<string> Walk(string relative, Instruction at, int depth = int.MaxValue,
        HashSet<(ulong, ulong)>? above = null)
    {
        if (relative.Length > 0) yield return relative;
        if (depth < 0) yield break;
        string full = Path.Combine(context, relative);
        (ulong, ulong) self = default;
        if (follow)
        {
            above ??= [];
            self = Target(full) is { } target ? Identity(target) : throw Dangling(relative, at);
            if (!above.Add(self))
                throw new ImageBuildException($"{at.Keyword} at line {at.Line}: {Shown.Path(full)} leads back to a " +
                    "directory it is in (a symlink loop)", BuildFailure.RecipeSourceRefused);
        }
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. new DirectoryInfo(full).EnumerateFileSystemInfos()
                .OrderBy(e => e.Name, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotRead(Shown.Path(full), at, IoError.Describe(e));
        }
        foreach (FileSystemInfo entry in entries)
        {
            string child = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
            if (Ignored(child)) continue;
            bool directory = entry is DirectoryInfo && (entry.LinkTarget is null || follow);
            if (follow && entry.LinkTarget is not null && Target(entry.FullName) is null) throw Dangling(child, at);
            if (directory)
                foreach (string below in Walk(child, at, depth - 1, above)) yield return below;
            else yield return child;
        }
        if (follow) above!.Remove(self);
    }

    /// <summary>What <paramref name="path"/> leads to, symlinks followed; null when it leads nowhere.</summary>
    private static Statx? Target(string path)
    {
        using SafeFileHandle fd = Libc.Open(Cwd, path, O_PATH);
        return fd.IsInvalid ? null : Libc.Stat(fd, "");
    }

    private static (ulong, ulong) Identity(Statx s) => (((ulong)s.DevMajor << 32) | s.DevMinor, s.Inode);

    /// <summary>The file <paramref name="chosen"/> is, as it will be copied: itself, or what it leads to in %files.
    /// Throws <see cref="ImageBuildException"/> when it is gone or cannot be read.</summary>
    private Statx Examine(Chosen chosen, Instruction at)
    {
        string full = Path.Combine(context, chosen.Relative);
        Statx? what = follow ? Target(full) : Libc.Stat(Cwd, full);
        return what ?? throw CannotRead(Shown.Path(full), at, Describe(Errno));
    }

    /// <summary>The sha256 of what <paramref name="chosen"/> holds: names, kinds, modes, link targets (not in
    /// %files, which follows them) and the bytes of regular files (a FIFO or device is not opened).</summary>
    public string Hash(List<Chosen> chosen, Instruction at)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Chosen entry in chosen)
        {
            string full = Path.Combine(context, entry.Relative);
            Statx what = Examine(entry, at);
            string? link = what.Type == S_IFLNK ? ReadLink(Cwd, full) : null;
            hash.AppendData(RawText.Encode($"{entry.Target}\0{what.Mode:X}\0{what.RdevMajor}:{what.RdevMinor}\0" +
                $"{link}\0"));
            if (what.Type != S_IFREG) continue;
            try
            {
                using FileStream file = File.OpenRead(full);
                hash.AppendData(SHA256.HashData(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotRead(Shown.Path(full), at, IoError.Describe(e));
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes <paramref name="chosen"/> into <paramref name="tree"/> below <paramref name="destination"/>
    /// (a directory path inside the tree), or as the file <paramref name="destination"/> when
    /// <paramref name="asFile"/>, as BuildKit's COPY writes them: files, symlinks and directories below a copied
    /// directory with their own modes, or as <paramref name="chmod"/> makes them (symlinks keep theirs); a copied
    /// directory's own entry, the destination, and the directories made on the way with 0755 (an octal --chmod's
    /// mode), a destination directory the tree has keeping its mode. <paramref name="link"/> (`COPY --link`): the
    /// files are a layer of their own laid over the tree, as BuildKit merges one: every directory of the destination
    /// path is in it (0755, or the octal --chmod), so it replaces a symlink there rather than following it, and gives
    /// a directory the tree had that mode.</summary>
    public void CopyInto(string tree, List<Chosen> chosen, string destination, bool asFile, ChmodFlag? chmod,
        bool link, string scratch, IBuildReporter reporter, Instruction at, CancellationToken cancel)
    {
        uint made = chmod?.CreatedDirectoryMode ?? 0b111_101_101;
        string tar = Path.Combine(scratch, $"copy-{Environment.ProcessId}-{Guid.NewGuid():N}.tar");
        try
        {
            List<(Chosen Chosen, string Name)> entries = [.. chosen.Select(c => (c,
                RootDir.Clean(asFile ? destination : $"{destination}/{c.Target}")))];
            using RootDir root = RootDir.Open(Cwd, tree) ?? throw PosixException.Last("cannot open the build's tree");
            if (!link) RefuseBelowFiles(root, entries.SelectMany(e => Ancestors(e.Name)), at);
            using (FileStream output = File.Create(tar))
            using (var writer = new TarWriter(output, TarEntryFormat.Pax))
            {
                if (link)
                {
                    var own = entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
                    foreach (string parent in entries.SelectMany(e => Ancestors(e.Name)).Distinct()
                                 .Where(p => !own.Contains(p)).OrderBy(p => p.Count(c => c == '/'))
                                 .ThenBy(p => p, StringComparer.Ordinal))
                        writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, parent)
                        {
                            Mode = (UnixFileMode)made,
                            ModificationTime = DateTimeOffset.UnixEpoch,
                        });
                }
                foreach ((Chosen entry, string name) in entries.Where(e => e.Name.Length > 0))
                {
                    cancel.ThrowIfCancellationRequested();
                    string full = Path.Combine(context, entry.Relative);
                    try { WriteEntry(writer, full, name, Examine(entry, at), entry.Target.Length == 0, made, chmod); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw CannotRead(Shown.Path(full), at, IoError.Describe(e));
                    }
                }
            }
            long length = new FileInfo(tar).Length;
            new LayerFlattener(root, reporter, keepDirectoryModes: !link, createdDirectoryMode: made).Apply(
                [new LayerBlob(() => File.OpenRead(tar), length, null, null, "the copied files")], cancel);
        }
        finally { File.Delete(tar); }
    }

    /// <summary>Refuses to write below what is not a directory in the image (`COPY a /bin/busybox/x`, WORKDIR
    /// /bin/busybox), naming the first of <paramref name="directories"/> (paths in the tree, parents first) that
    /// is not: BuildKit's copy and mkdir fail there ("not a directory"), and Apptainer's `cp -r` for %files, where
    /// a layer's rules would replace the file with a directory and break the image. (`COPY --link` is a layer laid
    /// over the tree, as BuildKit merges it, and is not checked.)</summary>
    public static void RefuseBelowFiles(RootDir root, IEnumerable<string> directories, Instruction at)
    {
        foreach (string directory in directories.Distinct(StringComparer.Ordinal))
        {
            using SafeFileHandle fd = root.Open(directory, O_PATH | O_DIRECTORY);
            if (fd.IsInvalid && Errno == ENOTDIR)
                throw new ImageBuildException($"{at.Keyword} at line {at.Line}: cannot write below " +
                    $"{Shown.Path("/" + directory)}: it is a file in the image, not a directory",
                    BuildFailure.RecipeSourceRefused);
        }
    }

    /// <summary>The directories above <paramref name="name"/> (a path in the tree without a leading /), the root
    /// left out.</summary>
    public static IEnumerable<string> Ancestors(string name)
    {
        for (int slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1)) yield return name[..slash];
    }

    /// <summary>One tar entry for the file at <paramref name="path"/> (<paramref name="what"/>: itself, or in %files
    /// what it leads to, as `cp -L` copies it), its own time, its mode as <see cref="CopyInto"/> says
    /// (<paramref name="top"/>: a copied directory's own entry, the destination). What is neither file, directory nor
    /// symlink goes in as tar writes it, for the layer to skip with a warning.</summary>
    private void WriteEntry(TarWriter writer, string path, string name, Statx what, bool top, uint made,
        ChmodFlag? chmod)
    {
        if (what.Type is not (S_IFREG or S_IFDIR or S_IFLNK))
        {
            writer.WriteEntry(follow ? RealPath.Resolve(path) ?? path : path, name);
            return;
        }
        bool directory = what.Type == S_IFDIR;
        uint mode = what.Mode & 0xFFFu;
        if (directory && top) mode = made;
        else if (what.Type != S_IFLNK && chmod is not null) mode = chmod.Apply(mode, directory);
        var entry = new PaxTarEntry(directory ? TarEntryType.Directory
            : what.Type == S_IFLNK ? TarEntryType.SymbolicLink : TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)mode,
            ModificationTime = DateTimeOffset.FromUnixTimeSeconds(what.Mtime.Seconds)
                .AddTicks(what.Mtime.Nanoseconds / 100),
        };
        if (what.Type == S_IFLNK) entry.LinkName = new FileInfo(path).LinkTarget!;
        using FileStream? data = what.Type == S_IFREG ? File.OpenRead(path) : null;
        if (data is not null) entry.DataStream = data;
        writer.WriteEntry(entry);
    }
}
