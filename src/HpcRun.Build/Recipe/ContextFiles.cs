using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// The build context of COPY and ADD (and %files): sources are read only inside it. A source whose path climbs
/// out (`../../etc/passwd`) or leads out through a symlink is refused; symlinks inside a copied directory are
/// copied as symlinks, not followed. The Dockerfile's ignore file (<see cref="IgnoreFile"/>: its own
/// `NAME.dockerignore`, else `.dockerignore` at the context's top) leaves paths out (its patterns as Docker reads
/// them: `*`, `?`, `**`, `!` exceptions, the last match deciding). The chosen files are packed into a tar and applied
/// to the tree as a layer (<see cref="LayerFlattener"/>: every write resolved inside the tree, modes and modification
/// times kept), and hashed for the build cache.
/// </summary>
internal sealed class ContextFiles
{
    private readonly string context;
    private readonly List<(Regex Pattern, bool Exclude)> ignore;
    private readonly string place;
    private readonly string? ignoreName;

    private ContextFiles(string context, List<(Regex, bool)> ignore, string place, string? ignoreName) =>
        (this.context, this.ignore, this.place, this.ignoreName) = (context, ignore, place, ignoreName);

    /// <summary>The ignore file of a Dockerfile's context, as BuildKit chooses it: the Dockerfile's own
    /// (`RECIPE.dockerignore` beside it: `app.dockerfile.dockerignore`, `Dockerfile.dockerignore`) wins over the
    /// context's `.dockerignore`; null when there is neither.</summary>
    public static string? IgnoreFile(string recipe, string context) =>
        ((string[])[recipe + ".dockerignore", Path.Combine(context, ".dockerignore")]).FirstOrDefault(File.Exists);

    /// <summary>The context <paramref name="context"/>; <paramref name="ignoreFile"/>: the ignore file whose patterns
    /// leave paths out (a Dockerfile's context only, <see cref="IgnoreFile"/>: not another stage's tree, nor a
    /// definition file's %files); <paramref name="place"/>: how messages name it ("the build context", "stage build",
    /// "the current directory").</summary>
    public static ContextFiles Open(string context, string? ignoreFile = null, string place = "the build context")
    {
        string full = Path.GetFullPath(context);
        if (!Directory.Exists(full))
            throw new ImageBuildException($"build context {Shown.Path(context)} is not a directory",
                BuildFailure.RecipeSourceRefused);
        var rules = new List<(Regex, bool)>();
        if (ignoreFile is not null)
            foreach (string raw in File.ReadAllLines(ignoreFile))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                bool exclude = !line.StartsWith('!');
                string pattern = Path.TrimEndingDirectorySeparator(exclude ? line : line[1..].Trim()).TrimStart('/');
                rules.Add((Glob(pattern.StartsWith("./", StringComparison.Ordinal) ? pattern[2..] : pattern), exclude));
            }
        return new ContextFiles(full, rules, place, ignoreFile is null ? null : Path.GetFileName(ignoreFile));
    }

    /// <summary>A pattern as a regex over a relative path: `**` any directories, `*` and `?` within a name; it also
    /// matches what lies below a matched directory.</summary>
    private static Regex Glob(string pattern)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(i + 2 < pattern.Length && pattern[i + 2] == '/' ? "(.*/)?" : ".*");
                i += i + 2 < pattern.Length && pattern[i + 2] == '/' ? 2 : 1;
            }
            else if (c == '*') regex.Append("[^/]*");
            else if (c == '?') regex.Append("[^/]");
            else regex.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(regex.Append("(/.*)?$").ToString(), RegexOptions.CultureInvariant);
    }

    private bool Ignored(string relative)
    {
        bool ignored = false;
        foreach ((Regex pattern, bool exclude) in ignore)
            if (pattern.IsMatch(relative)) ignored = exclude;
        return ignored;
    }

    /// <summary>The entries <paramref name="sources"/> (as written after COPY) name, as (path in the context,
    /// path below the destination); throws <see cref="ImageBuildException"/> for a source outside the context or
    /// one that matches nothing.</summary>
    public List<(string Relative, string Target)> Select(IReadOnlyList<string> sources, Instruction at)
    {
        var chosen = new List<(string, string)>();
        foreach (string source in sources)
        {
            string relative = Confine(source, at);
            List<string> matches = HasWildcard(relative) ? Expand(relative) : [relative];
            matches = [.. matches.Where(m => m.Length == 0 || !Ignored(m))];
            if (matches.Count == 0) throw NotIn(source, at);
            foreach (string match in matches)
            {
                CheckBeneath(match, source, at);
                string full = Path.Combine(context, match);
                if (Directory.Exists(full))
                    chosen.AddRange(Walk(match).Select(p => (p, p[match.Length..].TrimStart('/'))));
                else chosen.Add((match, Path.GetFileName(match)));
            }
        }
        return chosen;
    }

    /// <summary>Whether the single source is a directory (its contents are copied into the destination).</summary>
    public bool IsDirectory(string relative) => Directory.Exists(Path.Combine(context, relative));

    private string Confine(string source, Instruction at)
    {
        string full = Path.GetFullPath(Path.Combine(context, source.TrimStart('/')));
        if (full != context && !full.StartsWith(context + "/", StringComparison.Ordinal))
            throw Outside(source, at, $"its path leads outside {place}");
        return Path.GetRelativePath(context, full) is "." ? "" : Path.GetRelativePath(context, full);
    }

    /// <summary>Opens the source with RESOLVE_BENEATH: a symlink on the way that leads out of the context is
    /// EXDEV.</summary>
    private void CheckBeneath(string relative, string source, Instruction at)
    {
        if (relative.Length == 0) return;
        using var dir = new Microsoft.Win32.SafeHandles.SafeFileHandle(
            (nint)OpenAt(Cwd, context, O_PATH | O_DIRECTORY, 0), ownsHandle: true);
        using var fd = OpenAt2(dir, relative, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        if (fd.IsInvalid && Errno == EXDEV) throw Outside(source, at, $"a symlink leads outside {place}");
        if (fd.IsInvalid && Errno == ENOENT) throw NotIn(source, at);
        if (fd.IsInvalid)
            throw new ImageBuildException($"{at.Keyword} at line {at.Line}: cannot read {source}: " +
                Describe(Errno), BuildFailure.RecipeSourceRefused);
    }

    private ImageBuildException NotIn(string source, Instruction at) =>
        new($"{at.Keyword} at line {at.Line}: {source} is not in {place}" +
            (ignore.Count > 0 ? $" (or {Shown.Path(ignoreName!)} leaves it out)" : ""),
            BuildFailure.RecipeSourceRefused);

    private static ImageBuildException Outside(string source, Instruction at, string why) =>
        new($"{at.Keyword} at line {at.Line} refused: {source}: {why}", BuildFailure.RecipeSourceRefused);

    private static bool HasWildcard(string path) => path.IndexOfAny(['*', '?', '[']) >= 0;

    private List<string> Expand(string pattern)
    {
        Regex exact = new(Glob(pattern).ToString().Replace("(/.*)?$", "$", StringComparison.Ordinal));
        int depth = pattern.Count(c => c == '/');
        return [.. Walk("").Where(p => p.Count(c => c == '/') == depth && exact.IsMatch(p))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The directory <paramref name="relative"/> and everything below it, not following symlinks, less what
    /// .dockerignore leaves out; in a fixed order.</summary>
    private IEnumerable<string> Walk(string relative)
    {
        if (relative.Length > 0) yield return relative;
        var directory = new DirectoryInfo(Path.Combine(context, relative));
        foreach (FileSystemInfo entry in directory.EnumerateFileSystemInfos()
                     .OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string child = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
            if (Ignored(child)) continue;
            if (entry is DirectoryInfo && entry.LinkTarget is null)
                foreach (string below in Walk(child)) yield return below;
            else yield return child;
        }
    }

    /// <summary>The sha256 of what <paramref name="chosen"/> holds: names, kinds, modes, link targets and
    /// bytes.</summary>
    public string Hash(List<(string Relative, string Target)> chosen)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach ((string relative, string target) in chosen)
        {
            var info = new FileInfo(Path.Combine(context, relative));
            hash.AppendData(Encoding.UTF8.GetBytes($"{target}\0{(int)info.UnixFileMode}\0{info.LinkTarget}\0"));
            if (info.LinkTarget is null && !Directory.Exists(info.FullName))
                using (FileStream file = File.OpenRead(info.FullName)) hash.AppendData(SHA256.HashData(file));
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
    public void CopyInto(string tree, List<(string Relative, string Target)> chosen, string destination, bool asFile,
        ChmodFlag? chmod, bool link, string scratch, IBuildReporter reporter, CancellationToken cancel)
    {
        uint made = chmod?.CreatedDirectoryMode ?? 0b111_101_101;
        string tar = Path.Combine(scratch, $"copy-{Environment.ProcessId}-{Guid.NewGuid():N}.tar");
        try
        {
            List<(string Relative, string Target, string Name)> entries = [.. chosen.Select(c => (c.Relative, c.Target,
                (asFile ? destination : $"{destination.TrimEnd('/')}/{c.Target}").Trim('/')))];
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
                foreach ((string relative, string target, string name) in entries.Where(e => e.Name.Length > 0))
                    WriteEntry(writer, Path.Combine(context, relative), name, target.Length == 0, made, chmod);
            }
            using RootDir root = RootDir.Open(Cwd, tree) ?? throw PosixException.Last("cannot open the build's tree");
            long length = new FileInfo(tar).Length;
            new LayerFlattener(root, reporter, keepDirectoryModes: !link, createdDirectoryMode: made).Apply(
                [new LayerBlob(() => File.OpenRead(tar), length, null, null, "the copied files")], cancel);
        }
        finally { File.Delete(tar); }
    }

    /// <summary>The directories above <paramref name="name"/> (a path in the tree without a leading /), the root
    /// left out.</summary>
    private static IEnumerable<string> Ancestors(string name)
    {
        for (int slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1)) yield return name[..slash];
    }

    /// <summary>One tar entry for the file at <paramref name="path"/>, its own time, its mode as
    /// <see cref="CopyInto"/> says (<paramref name="top"/>: a copied directory's own entry, the destination). What is
    /// neither file, directory nor symlink goes in as tar writes it, for the layer to skip with a warning.</summary>
    private static void WriteEntry(TarWriter writer, string path, string name, bool top, uint made, ChmodFlag? chmod)
    {
        if (Stat(Cwd, path) is not { } what || what.Type is not (S_IFREG or S_IFDIR or S_IFLNK))
        {
            writer.WriteEntry(path, name);
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
