using System.Formats.Tar;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Build.Recipe;

public static partial class RecipeBuilder
{
    /// <summary>A build's COPY, ADD and WORKDIR: what they write into the stage's tree.</summary>
    private sealed partial class Run
    {
        private string Copy(Instruction at, StageState state, string tree, ref string? materialized)
        {
            List<string> words = at.ExecForm() is { } exec ? [.. exec] : Words.Split(at.Arguments, state, at.Escape);
            bool host = at.Keyword == "%files"; // Apptainer's CopyFromHost
            // `%files SOURCE` alone: CopyFromHost's empty destination, each match copied to its own path.
            bool ownPath = host && words.Count == 1;
            if (words.Count < 2 && !ownPath) throw new RecipeException($"{at.Keyword} takes SOURCE... DEST", at.Line);
            if (at.Keyword == "ADD" && words[..^1].FirstOrDefault(IsRemoteOrArchive) is { } refused)
                throw new RecipeException($"ADD {refused}: " + (IsUrl(refused)
                    ? "URLs are not supported (RUN curl or wget to download it, or download it first and COPY it)"
                    : "archives are not supported (COPY the file and RUN tar)"), at.Line);
            IReadOnlyList<string> sources = ownPath ? words : words[..^1];
            ChmodFlag? chmod = Chmod(at, state);
            bool link = Link(at);
            ContextFiles context;
            string? prefix = null; // %files: the source's directory as written
            if (at.Flags.GetValueOrDefault("from") is { } stageName)
            {
                if (new StageState().Expand(stageName) != stageName) // as BuildKit refuses it
                    throw new RecipeException($"{at.Keyword} --from={stageName}: variables are not expanded in " +
                        "--from: name a stage whose FROM uses the ARG (declared before the first FROM)", at.Line);
                bool image = IsImage(recipe.Stages, stageName);
                StageResult source = image ? FromImage(stageName, at)
                    : named.GetValueOrDefault(stageName.ToLowerInvariant())
                    ?? (int.TryParse(stageName, out int n) && n >= 0 && n < done.Count ? done[n] : null)
                    ?? throw new RecipeException($"COPY --from={stageName}: no such stage before it", at.Line);
                context = ContextFiles.Stage(source.Tree, $"{(image ? "image" : "stage")} {stageName}");
            }
            else if (host)
            {
                (context, string rest, prefix) = ContextFiles.OnHost(sources[0], request.Context, at);
                sources = [rest];
            }
            else context = ContextFiles.Open(request.Context, ContextFiles.IgnoreFile(request.Recipe, request.Context));
            var chosen = context.Select(sources, at);
            // Where each part goes, as written: the destination, or (`%files SOURCE` with a wildcard) each match's
            // own path, the source's directory and the match, as Apptainer copies them one after another.
            List<(string Written, List<ContextFiles.Chosen> Chosen)> parts =
                ownPath && GlobPattern.HasWildcard(sources[0], shell: true)
                    ? [.. chosen.GroupBy(c => c.Top).Select(g => (OwnPath(prefix!, g.Key), g.ToList()))]
                    : [(ownPath ? GlobPattern.Unescape(words[0]) : words[^1], chosen)];
            // CopyFromHost joins a destination to the image's root (securejoin), whatever the base's WORKDIR.
            if (host)
                parts = [.. parts.Select(p => (p.Written.StartsWith('/') ? p.Written : $"/{p.Written}", p.Chosen))];
            string next = BuildCache.Key(treeKey, $"{at.CacheText}\n{string.Join('\n', parts.Select(p =>
                Destination(state, p.Written)))}\n{chmod?.Text}\n{context.Hash(chosen, at)}");
            if (Hit(next)) return next;
            Materialize(tree, treeKey, ref materialized);
            Keep(tree);
            foreach ((string written, List<ContextFiles.Chosen> part) in parts)
                CopyPart(at, state, tree, context, written, part, words[0], sources[0], chmod, link);
            return Done(next, tree, state, ref materialized);
        }

        /// <summary>The destination <paramref name="written"/> in the tree, cleaned as BuildKit cleans it (`/y/..`
        /// is /, `..` the working directory's parent); `.`, or a trailing `/` or `/.`, says it is a directory, which
        /// the files go into: it then ends in `/` (one that cleans to a directory the tree has is one too).</summary>
        private static string Destination(StageState state, string written) =>
            InTree(state, written) is var path && path != "/"
            && (written is "." || written.EndsWith('/') || written.EndsWith("/.")) ? path + "/" : path;

        /// <summary>A match's own path: the source's directory as written (`/` when it was `/`), then the match.
        /// </summary>
        private static string OwnPath(string directory, string match) =>
            directory.Length == 0 ? match : $"{directory.TrimEnd('/')}/{match}";

        /// <summary>Copies <paramref name="chosen"/> to the destination <paramref name="written"/>;
        /// <paramref name="source"/>,
        /// <paramref name="pattern"/>: the source as written and its part after the directory, to name matches.
        /// </summary>
        private void CopyPart(Instruction at, StageState state, string tree, ContextFiles context, string written,
            List<ContextFiles.Chosen> chosen, string source, string pattern, ChmodFlag? chmod, bool link)
        {
            bool host = at.Keyword == "%files";
            string destination = Destination(state, written);
            bool intoDirectory = destination.EndsWith('/') || IsDirectoryIn(tree, destination);
            List<string> tops = [.. chosen.Select(c => c.Top).Distinct()];
            string? whole = null; // the match copied as the destination itself
            if (host && !intoDirectory && tops.Count > 1)
            {
                bool exists = OpensIn(tree, destination, Libc.O_PATH);
                (FilesMatches.Outcome outcome, int index) = FilesMatches.Plan([.. tops.Select(context.IsDirectory)],
                    exists);
                // The matches as the line names them: the source's directory, then the match in it.
                source = source.TrimEnd('/');
                string Named(string top) => Shown.Path(source.EndsWith(pattern, StringComparison.Ordinal)
                    ? source[..^pattern.Length] + top : top);
                if (outcome is FilesMatches.Outcome.DirectoryOntoFile)
                    throw new ImageBuildException($"{at.Keyword} at line {at.Line}: cannot copy the directory " +
                        $"{Named(tops[index])} onto {Shown.Path(destination)}, a file " + (exists
                            ? "in the image" : $"{Named(tops[0])} made (Apptainer copies each match in turn)"),
                        BuildFailure.RecipeSourceRefused);
                if (outcome is FilesMatches.Outcome.LastFile) chosen = [.. chosen.Where(c => c.Top == tops[index])];
                else whole = tops[index];
            }
            if (host && (intoDirectory || tops.Count > 1))
                // cp -r DIR DEST makes DEST/DIR when DEST is a directory, as each of several matches needs it to be
                chosen = [.. chosen.Select(c => c.Top != whole && context.IsDirectory(c.Top)
                    ? c with { Target = Path.Join(Path.GetFileName(c.Top), c.Target).TrimEnd('/') } : c)];
            // One file left (one source, or the last of several files): written as the destination itself.
            bool asFile = chosen.Count == 1 && !intoDirectory && !context.IsDirectory(chosen[0].Relative);
            context.CopyInto(tree, chosen, destination, asFile, chmod, link, scratch, reporter, at, cancel);
        }

        /// <summary>COPY --from=<paramref name="name"/>'s image (a local image or a registry reference, as FROM
        /// takes them), read as the implicit stage `FROM name` that BuildKit makes of it: resolved and kept in the
        /// build cache as that FROM is, a step of its own, once per build however many COPYs name it. The stage
        /// running now goes on where it was.</summary>
        private StageResult FromImage(string name, Instruction at)
        {
            if (images.TryGetValue(name, out StageResult? known)) return known;
            (string savedTree, bool savedUser, bool savedCmd) = (treeKey, userFromBase, cmdSet);
            var stage = new Stage(name, null, null, [], at.Line)
            {
                Shown = $"FROM {name} (for {at.Keyword} --from)",
                Term = $"{at.Keyword} --from={name}",
                Implicit = true,
            };
            StageResult result = images[name] = Stage(stage, $"image{images.Count}", triggers: false);
            (treeKey, userFromBase, cmdSet) = (savedTree, savedUser, savedCmd);
            cachedLine = false; // the COPY's own step, not yet found in the cache
            return result;
        }

        /// <summary><paramref name="path"/> (WORKDIR's, COPY's destination) as an absolute path in the tree, relative
        /// to the working directory unless absolute, cleaned as BuildKit's NormalizePath cleans it: no `.`, `..` or
        /// trailing `/` is left.</summary>
        private static string InTree(StageState state, string path) =>
            "/" + RootDir.Clean(path.StartsWith('/') ? path : $"{state.Config.WorkingDir ?? "/"}/{path}");

        /// <summary>Makes WORKDIR's <paramref name="dir"/> in the tree when it is missing, as BuildKit's mkdir -p
        /// makes it (0755, the directories on the way too, symlinks followed inside the tree): a step that changes
        /// the tree then, kept in the cache as <paramref name="next"/>; false when the tree has the directory, which
        /// is left as it is. Whether it does is fixed by the tree before it, so a cached rebuild takes the same
        /// branch and gives the same image.</summary>
        private bool Workdir(Instruction at, string dir, StageState state, string next, string tree,
            ref string? materialized)
        {
            if (dir == "/") return false;
            if (Hit(next)) return true;
            // A tree there to read answers without copying it here; one not made yet is made, as the next step
            // that changes the tree would make it.
            string? ready = materialized == treeKey ? tree : Ready(treeKey);
            if (ready is null)
            {
                Materialize(tree, treeKey, ref materialized);
                ready = tree;
            }
            if (IsDirectoryIn(ready, dir)) return false;
            Materialize(tree, treeKey, ref materialized);
            Keep(tree);
            using (RootDir root = RootDir.Open(Libc.Cwd, tree)
                       ?? throw PosixException.Last("cannot open the build's tree"))
            {
                string path = dir.TrimStart('/');
                ContextFiles.RefuseBelowFiles(root, [.. ContextFiles.Ancestors(path), path], at);
                byte[] layer = DirectoryLayer(path);
                new LayerFlattener(root, reporter, keepDirectoryModes: true).Apply(
                    [new LayerBlob(() => new MemoryStream(layer), layer.Length, null, null, "WORKDIR's directory")],
                    cancel);
            }
            Done(next, tree, state, ref materialized);
            return true;
        }

        /// <summary>A tar of the one directory <paramref name="path"/>, 0755 and of the epoch's time (the
        /// directories made on the way are too), so that two builds of one recipe give the same tree.</summary>
        private static byte[] DirectoryLayer(string path)
        {
            using var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path)
                {
                    Mode = (UnixFileMode)0b111_101_101,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                });
            return tar.ToArray();
        }

        /// <summary>COPY and ADD --chmod, variables expanded as BuildKit expands them there; null: none.</summary>
        private static ChmodFlag? Chmod(Instruction at, StageState state)
        {
            if (at.Flags.GetValueOrDefault("chmod") is not { } flag) return null;
            string text = state.Expand(flag, at.Escape);
            if (text.Length == 0) return null; // `--chmod=$UNSET`: none, as BuildKit has it
            try { return ChmodFlag.Parse(text); }
            catch (FormatException e)
            {
                throw new RecipeException($"{at.Keyword} --chmod={text}: {e.Message}", at.Line);
            }
        }

        /// <summary>COPY and ADD --link (also `--link=true`; `--link=false`: a plain copy).</summary>
        private static bool Link(Instruction at) => at.Flags.GetValueOrDefault("link") switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw new RecipeException($"{at.Keyword} --link={other}: give true or false", at.Line),
        };

        /// <summary>Whether <paramref name="path"/> is a directory in <paramref name="tree"/>, resolved inside it
        /// (symlinks followed there, never out to the host's files).</summary>
        private static bool IsDirectoryIn(string tree, string path) =>
            OpensIn(tree, path, Libc.O_PATH | Libc.O_DIRECTORY);

        /// <summary>Whether <paramref name="path"/> opens with <paramref name="flags"/> in <paramref name="tree"/>,
        /// resolved inside it.</summary>
        private static bool OpensIn(string tree, string path, int flags)
        {
            using RootDir root = RootDir.Open(Libc.Cwd, tree)
                ?? throw PosixException.Last("cannot open the build's tree");
            using SafeFileHandle fd = root.Open(path, flags);
            return !fd.IsInvalid;
        }

        private static bool IsUrl(string source) => source.Contains("://", StringComparison.Ordinal);

        private static bool IsRemoteOrArchive(string source) =>
            IsUrl(source) || new[] { ".tar", ".tar.gz", ".tgz", ".tar.xz",
                ".tar.bz2", ".tar.zst" }.Any(s => source.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }
}
