using System.Diagnostics;
using System.Text.Json;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Builds an image from a recipe (<see cref="DockerfileParser"/>, <see cref="DefinitionFile"/>): each stage's tree
/// is a plain writable directory in a private scratch directory (in the build cache, else beside OUT), FROM unpacks
/// its base there, RUN runs in it as root with root emulated (<see cref="StepRunner"/>), COPY and ADD write the
/// context's files into it (<see cref="ContextFiles"/>), WORKDIR makes its directory when it is missing; ENV, ARG,
/// WORKDIR, LABEL, CMD, ENTRYPOINT, USER and SHELL change the stage's <see cref="StageState"/>. Completed steps are
/// kept in the <see cref="BuildCache"/>: a step's tree is copied into it only when a later step of its stage is
/// about to change the tree; a stage's last tree is moved in, and read from there by later stages and by
/// <see cref="ImageBuilder"/>, which writes OUT by rename (a definition file's /.singularity.d is added to the
/// image, not to the tree). A failed or cancelled build removes its scratch directory: nothing is left but
/// completed cache entries. Each instruction is a progress line on
/// <paramref name="progress"/> in <see cref="Build"/>, with its duration; RUN's output goes to the terminal.
/// </summary>
public static partial class RecipeBuilder
{
    private const string ScratchPrefix = ".hpcrun-recipe.", CacheFolder = ImageCache.RecipeFolder;

    /// <summary>The recipe (Dockerfile or Containerfile) in <paramref name="directory"/> when the directory is a build
    /// context rather than a root file system (it has neither usr/ nor bin/), as `docker build DIR` would read it;
    /// else null. `hpcrun build OUT DIR` takes a directory as the image's root, as Apptainer does: a context given
    /// there by Docker's habit would make an image of the context's files.</summary>
    public static string? ContextRecipe(string directory)
    {
        if (!Directory.Exists(directory) || Directory.Exists(Path.Combine(directory, "usr"))
            || Directory.Exists(Path.Combine(directory, "bin")))
            return null;
        return ((string[])["Dockerfile", "Containerfile"]).Select(name => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Whether <paramref name="path"/> is a recipe rather than an image source: a regular file named
    /// Dockerfile, Containerfile (either with a .suffix), *.dockerfile, *.def or Singularity, or a small (1 MiB at
    /// most) file that starts as a Dockerfile (<see cref="DockerfileParser.Starts"/>: FROM, or ARG then FROM) or as a
    /// definition file (<see cref="DefinitionFile.Starts"/>: its headers, with a `Bootstrap:`).</summary>
    public static bool IsRecipe(string path)
    {
        if (Libc.Type(Libc.Cwd, path) != Libc.S_IFREG) return false; // a FIFO's name says nothing, nor is it read
        if (IsRecipeName(Path.GetFileName(path))) return true;
        string[] lines = Recipe.SmallFileLines(path);
        return DockerfileParser.Starts(lines) || DefinitionFile.Starts(lines);
    }

    /// <summary>Whether <paramref name="name"/> is a recipe's file name (<see cref="IsRecipe"/>'s names).</summary>
    public static bool IsRecipeName(string name) =>
        name.StartsWith("Dockerfile", StringComparison.Ordinal)
        || name.StartsWith("Containerfile", StringComparison.Ordinal)
        || name.EndsWith(".dockerfile", StringComparison.OrdinalIgnoreCase) || DefinitionFile.IsNamed(name);

    /// <summary>The endings of the image files a build writes.</summary>
    public static readonly string[] ImageSuffixes = [".sif", ".sqfs", ".squashfs"];

    /// <summary>Whether `hpcrun build OUT SOURCE` was given its arguments the wrong way round, as `docker build` and
    /// habit put the recipe first: OUT is a recipe (<see cref="IsRecipe"/>: by name or first line) and SOURCE is not
    /// there to build from or names an image file (.sif, .sqfs, .squashfs), which a build writes; or OUT is missing
    /// but named as a recipe, and SOURCE names an image file. Building into a
    /// recipe would replace it, even with --force.</summary>
    public static bool LooksSwapped(string output, string source) =>
        !HpcRun.Image.Registry.ImageReference.IsReference(source) && (IsRecipe(output)
            ? !Path.Exists(source) || IsImageName(source)
            : !Path.Exists(output) && IsRecipeName(Path.GetFileName(output)) && IsImageName(source));

    private static bool IsImageName(string path) =>
        ImageSuffixes.Any(s => path.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>Throws <see cref="RecipeException"/> for a recipe it cannot read, <see cref="ImageBuildException"/>
    /// (<see cref="BuildFailure.RecipeCommandFailed"/>, <see cref="BuildFailure.RecipeSourceRefused"/>...) for a step
    /// that failed, and what <see cref="ImageBuilder.Build"/> throws.</summary>
    public static void Build(RecipeRequest request, IBuildReporter reporter, TextWriter progress,
        CancellationToken cancel)
    {
        string text = request.Text ?? Read(request.Recipe);
        var notes = new List<(int Line, string Text)>(); // a Dockerfile's, as a definition file has its Warnings
        Recipe recipe = DefinitionFile.Is(request.Recipe, text) ? DefinitionFile.Parse(text, request.BuildArgs)
            : Recipe.FromDockerfile(DockerfileParser.Parse(text, notes), request.BuildArgs, request.Platform);
        foreach ((int line, string warning) in recipe.Warnings.Concat(notes))
            reporter.Warning($"{request.Recipe}:{line}: {warning}");
        ContextFiles.Check(request.Context); // also when no COPY reads it, as docker build checks it
        BuildOutput.Prepare(request.Output, request.Force, reporter).Dispose(); // OUT writable: checked before the work
        using var cache = new BuildCache(request.NoCache || request.CacheDirectory is null ? null
            : Path.Combine(request.CacheDirectory, CacheFolder));
        FileLock? beside = null; // --no-cache: this build's lock on its scratch directory beside OUT
        string scratch = cache.Scratch() ?? MakeScratch(request.Output, out beside);
        try
        {
            var run = new Run(request, recipe, cache, scratch, reporter, progress, cancel);
            StageResult last = InScratch(run.All, cache, request.Output);
            // Once the stages ran, as `docker build` warns: an ARG in a base's ONBUILD trigger reads one too.
            List<string> unused = [.. request.BuildArgs.Keys.Where(name => !recipe.ArgsUsed.Contains(name)
                && !run.TriggerArgs.Contains(name) && !ProxyVariables.Names.Contains(name)).Order()];
            if (unused.Count > 0)
                reporter.Warning($"--build-arg {string.Join(", ", unused)}: not used by the recipe");
            ImageConfig config = last.State.Config;
            string? layout = null;
            if (recipe.Definition is { } definition)
            {
                config = config with
                {
                    Labels = ApptainerLayout.MergeLabels(ApptainerLayout.BaseLabels(config.Labels, last.Tree),
                        ApptainerLayout.PostLabelsIn(last.Tree),
                        BuildLabels.For(definition, last.Platform ?? HostPlatform.Name, request.SourceDateEpoch ?? 0,
                            request.Version), definition.Labels, request.Force, reporter),
                };
                string written = layout = Path.Combine(scratch, "layout");
                InScratch(() => ApptainerLayout.Write(written, last.Tree, definition, config, request.Force,
                    reporter), cache, request.Output);
            }
            ImageBuilder.Build(new BuildRequest(request.Output, last.Tree, request.SquashFsOnly, last.Platform,
                Force: request.Force, SourceDateEpoch: request.SourceDateEpoch, Config: config,
                Deffile: recipe.Definition?.Text, SourceKind: "recipe", Overlay: layout,
                MksquashfsArgs: request.MksquashfsArgs)
            {
                ReuseDirectory = last.Reuse,
                LeaveOut = recipe.Definition is null ? [] : [ApptainerLayout.PostLabels.TrimStart('/')],
                BeforeCommit = run.Tests ? image => run.Test(image, last.Platform) : null,
            }, request.Version, reporter, cancel);
        }
        finally
        {
            cache.Commit(reporter.Warning); // the steps that completed, also when a later one failed
            TreeCopy.Remove(scratch);
            beside?.Dispose();
        }
    }

    /// <summary>What <paramref name="work"/> on the build's scratch trees gives; a full file system there (the
    /// cache's, or OUT's with --no-cache) is said naming it, whichever helper met it.</summary>
    private static T InScratch<T>(Func<T> work, BuildCache cache, string output)
    {
        try { return work(); }
        catch (Exception e) when (e is ImageBuildException { Failure: BuildFailure.DiskFull }
            || e is IOException && IoError.IsFull(e))
        {
            string why = e is ImageBuildException
                ? ImageBuildException.FullIn(e.Message) ?? IoError.Describe(Libc.ENOSPC) : IoError.Describe(e);
            string? step = (e as ImageBuildException)?.FailedStep;
            throw cache.Root is { } root
                ? ImageBuildException.Full($"the recipe build cache {Shown.Path(root)}", why, step)
                : ImageBuildException.Full(Shown.Path(output), why, step);
        }
    }

    private static void InScratch(Action work, BuildCache cache, string output) =>
        InScratch(() => { work(); return 0; }, cache, output);

    /// <summary>The recipe's text. Throws <see cref="FileNotFoundException"/> when it is missing, and
    /// <see cref="RecipeException"/> (the whole file) when it cannot be read.</summary>
    private static string Read(string recipe)
    {
        if (Directory.Exists(recipe)) throw new RecipeException("cannot read it: it is a directory");
        try { return Recipe.Decode(File.ReadAllBytes(recipe)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MissingFileException($"{Shown.Path(recipe)}: no such file", recipe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RecipeException($"cannot read it: {IoError.Describe(e)}");
        }
    }

    /// <summary>`hpcrun cache clean`, after <see cref="CacheLeftovers"/>: removes the recipe build cache's steps (in
    /// <paramref name="cacheDirectory"/>'s recipe/) kept before <paramref name="before"/>; how many, or null (none)
    /// while a build uses the cache.</summary>
    public static int? CleanCache(string cacheDirectory, DateTime before) =>
        BuildCache.Clean(CacheRoot(cacheDirectory), before);

    /// <summary>`hpcrun cache list` and `clean`: the leftovers of interrupted recipe builds in
    /// <paramref name="cacheDirectory"/>'s recipe/ (<see cref="BuildCache.Leftovers"/>), how many and their bytes,
    /// removed unless <paramref name="dryRun"/>.</summary>
    public static (int Count, long Bytes) CacheLeftovers(string cacheDirectory, DateTime before, bool dryRun)
    {
        List<(string Path, long Bytes)> left = BuildCache.Leftovers(CacheRoot(cacheDirectory), before, dryRun);
        return (left.Count, left.Sum(l => l.Bytes));
    }

    /// <summary>`hpcrun cache clean --dry-run`: the steps <see cref="CleanCache"/> would remove, and the bytes that
    /// would free; null while a build uses the cache.</summary>
    public static (int Steps, long Bytes)? WouldCleanCache(string cacheDirectory, DateTime before) =>
        BuildCache.WouldClean(CacheRoot(cacheDirectory), before);

    /// <summary>`hpcrun cache list`: the recipe build cache's directory, its completed steps and their bytes.</summary>
    public static (string Root, int Steps, long Bytes) CacheUsage(string cacheDirectory)
    {
        var (steps, bytes) = BuildCache.Usage(CacheRoot(cacheDirectory));
        return (CacheRoot(cacheDirectory), steps, bytes);
    }

    private static string CacheRoot(string cacheDirectory) => Path.Combine(cacheDirectory, CacheFolder);

    /// <summary>A scratch directory beside <paramref name="output"/>, locked (<paramref name="held"/>) so that the
    /// next build there removes it if this one is killed (<see cref="ScratchDirectories"/>).</summary>
    private static string MakeScratch(string output, out FileLock held)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(output))!;
        string scratch = Path.Combine(directory, ScratchPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try { held = ScratchDirectories.Hold(scratch); }
        catch (IOException e)
        {
            TreeCopy.Remove(scratch);
            throw OutputRefusal.Unwritable(output, e);
        }
        return scratch;
    }

    /// <summary>A stage done: the key of its last step that changed the tree, its tree (in the scratch directory) and
    /// state; <paramref name="Reuse"/>: the cache entry whose directory keeps an earlier image of a tree that shares
    /// its files (<see cref="BuildRequest.ReuseDirectory"/>), or null.</summary>
    private sealed record StageResult(string TreeKey, string Tree, StageState State, string? Platform,
        string? Reuse = null);

    /// <summary>A step done whose tree is not in the cache yet: <see cref="Base"/>, a FROM whose image is read again
    /// as cheaply as a cached copy (<see cref="BaseImage.Reread"/>), is kept without its tree unless moved.</summary>
    private sealed record Pending(string Key, StageState State, bool Base);

    private sealed partial class Run(RecipeRequest request, Recipe recipe, BuildCache cache, string scratch,
        IBuildReporter reporter, TextWriter progress, CancellationToken cancel)
    {
        private readonly StepRunner runner = new(request.Hpcrun, request.Proxies);
        private readonly Dictionary<string, BaseImage> bases = [];
        private readonly Dictionary<string, Pending> pending = []; // by tree
        /// <summary>By working tree: the stored tree it was last the same as, whose files the next step it stores
        /// shares where they are unchanged.</summary>
        private readonly Dictionary<string, SharedFiles.SameAs> synced = [];
        private readonly Dictionary<string, StageResult> named = [];
        private readonly List<StageResult?> done = []; // by the stage's index; null: a stage not needed
        private int step;
        private string treeKey = "";
        private bool userSaid; // the warning that RUN runs as root, not as the image's user, given once per build
        private bool userFromBase; // the stage's user is its base's (no USER in the stage yet)
        /// <summary>A CMD of this stage's (a trigger's too) came before: ENTRYPOINT keeps it then, and clears only
        /// the base's, an earlier stage's included (BuildKit's dispatchEntrypoint, `if !d.cmd.IsSet`: a stage's
        /// dispatch state starts with it unset, inherited from no base).</summary>
        private bool cmdSet;
        private readonly IReadOnlyList<int> built = StagesBuilt(recipe, request.Target);
        /// <summary>COPY --from=IMAGE's images (<see cref="FromImage"/>) read so far, by the name given.</summary>
        private readonly Dictionary<string, StageResult> images = [];
        private int Steps => // an ONBUILD trigger is a part of its FROM's step: 1.1, 1.2...
            built.Sum(i => recipe.Stages[i].Instructions.Count + 1) + (RunsTest(recipe, request) ? 1 : 0)
            + built.SelectMany(i => recipe.Stages[i].Instructions.Select(at => at.Flags.GetValueOrDefault("from")))
                .OfType<string>().Where(name => IsImage(recipe.Stages, name)).Distinct().Count();

        /// <summary>The names the ARGs of the bases' ONBUILD triggers declared, in the stages run so far.</summary>
        public HashSet<string> TriggerArgs { get; } = new(StringComparer.Ordinal);

        /// <summary>Whether the build runs the definition file's %test (not with --notest).</summary>
        public bool Tests => RunsTest(recipe, request);

        private static bool RunsTest(Recipe recipe, RecipeRequest request) =>
            recipe.Definition?.Test is not null && !request.NoTest;

        /// <summary>Runs the %test of the finished image at <paramref name="image"/>, built for
        /// <paramref name="platform"/> (null: the host's), as a numbered step.</summary>
        /// <exception cref="ImageBuildException"><see cref="BuildFailure.ImageArchitecture"/>: an image for a CPU
        /// this host does not run, which no launch here starts (its %test failed as the launch's refusal of the
        /// build's scratch file, then as a %test that failed, 110).</exception>
        public void Test(string image, string? platform)
        {
            int line = recipe.Definition!.TestLine;
            Action finish = Line(new Instruction("%test", new Dictionary<string, string>(),
                recipe.Definition.Test!, line));
            string architecture = (platform ?? HostPlatform.Name).Split('/')[1];
            if (!HostPlatform.Runs(architecture, HostPlatform.Architecture))
                throw new ImageBuildException($"%test at line {line}: the image is for {architecture}, this host " +
                    $"is {HostPlatform.Architecture}: its test cannot run here; build with --notest, or where the " +
                    $"CPU is {architecture}", BuildFailure.ImageArchitecture);
            runner.Test(image, line, cancel);
            finish();
        }

        public StageResult All()
        {
            for (int i = 0; i <= built[^1]; i++)
            {
                Stage stage = recipe.Stages[i];
                StageResult? result = built.Contains(i) ? Stage(stage, $"stage{i}") : null;
                done.Add(result);
                if (stage.Name is { } name && result is not null) named[name] = result;
            }
            return done[built[^1]]!;
        }

        /// <summary>The stages a build runs, in order: the target (--target's, else the last) and those it needs, by
        /// FROM or COPY --from, as BuildKit builds only those (a stage of tests the image does not use is not run).
        /// Throws <see cref="RecipeException"/> for a --target no stage is named.</summary>
        private static IReadOnlyList<int> StagesBuilt(Recipe recipe, string? target)
        {
            IReadOnlyList<Stage> stages = recipe.Stages;
            int last = stages.Count - 1;
            if (target is not null)
            {
                last = stages.ToList().FindIndex(s => s.Name == target.ToLowerInvariant());
                if (recipe.Definition is not null || last < 0)
                    throw new RecipeException($"--target {target}: no stage is named so (FROM IMAGE AS {target})");
            }
            var needed = new SortedSet<int>();
            var next = new Stack<int>([last]);
            while (next.TryPop(out int i))
            {
                if (!needed.Add(i)) continue;
                IEnumerable<string> uses = stages[i].Instructions
                    .Select(at => at.Flags.GetValueOrDefault("from")).OfType<string>().Prepend(stages[i].From);
                foreach (string use in uses)
                    if (StageIndex(stages, use, before: i) is { } used) next.Push(used);
            }
            return [.. needed];
        }

        /// <summary>The stage <paramref name="name"/> names (its AS name, or its index) among those before
        /// <paramref name="before"/>; null: an image, not a stage.</summary>
        private static int? StageIndex(IReadOnlyList<Stage> stages, string name, int before)
        {
            for (int i = before - 1; i >= 0; i--)
                if (stages[i].Name == name.ToLowerInvariant()) return i;
            return int.TryParse(name, out int n) && n >= 0 && n < before ? n : null;
        }

        /// <summary>Whether COPY --from=<paramref name="name"/> names an image, not a stage: no stage of the recipe
        /// is named so, before or after, and it is no stage's index, as BuildKit's toCommand (dockerfile2llb
        /// convert.go) makes an implicit stage of it, `FROM name`; a stage named later stays refused.</summary>
        private static bool IsImage(IReadOnlyList<Stage> stages, string name) =>
            !int.TryParse(name, out _) && stages.All(s => s.Name != name.ToLowerInvariant());

        /// <summary>Runs <paramref name="stage"/>, its tree in the scratch directory's <paramref name="folder"/>;
        /// <paramref name="triggers"/>: whether its base's ONBUILD triggers run (not for COPY --from=IMAGE's
        /// implicit stage, which BuildKit resolves without dispatching them).</summary>
        private StageResult Stage(Stage stage, string folder, bool triggers = true)
        {
            string tree = Path.Combine(scratch, folder);
            string? materialized = null; // the key whose tree `tree` holds
            StageState state; // treeKey: the key of the last step that changed the tree
            StageResult? parent = named.GetValueOrDefault(stage.From.ToLowerInvariant())
                ?? (int.TryParse(stage.From, out int n) && n >= 0 && n < done.Count ? done[n] : null);
            var from = new Instruction("FROM", new Dictionary<string, string>(), stage.From, stage.Line)
            {
                Shown = stage.Shown,
            };
            Action finish = Line(from);
            userFromBase = true;
            cmdSet = false;
            string? asked = stage.Platform;
            string? told = null; // the platform a local base's files say
            {
                if (parent is not null)
                {
                    if (asked is not null && asked != (parent.Platform ?? HostPlatform.Name))
                        throw new RecipeException($"FROM --platform={asked} {stage.From}: that stage is built for " +
                            $"{parent.Platform ?? HostPlatform.Name}, and hpcrun builds each stage once", stage.Line);
                    state = parent.State with { Args = new Dictionary<string, string>() };
                    treeKey = parent.TreeKey;
                }
                else
                {
                    BaseImage image = Reading(stage,
                        () => BaseImage.Resolve(stage.From, stage.Term, asked, request, reporter, cancel,
                            stage.ArchiveAgent));
                    // A local image is what its programs (a SIF: its header) are, whatever a platform asked for,
                    // and is recorded so when none is: an arm64 tree recorded as the host's would be refused nowhere.
                    var files = image.Kind is BaseKind.Directory or BaseKind.SquashFs or BaseKind.Sif
                        ? Reading(stage, () => LocalPlatform.Of(image.Directory ?? image.ImageFile!)) : null;
                    // A tree whose programs tell its CPU may be asked for by it; one that tells nothing cannot.
                    if (asked is not null && (files is null || image.Kind == BaseKind.Sif)
                        && BaseImage.PlatformRefusal(image.Kind, asked, request.Platform ?? HostPlatform.Name,
                            image.SifPlatform) is { } why)
                        throw new RecipeException($"FROM --platform={asked} {stage.From}: {why}", stage.Line);
                    if ((asked ?? request.Platform) is { } wanted && LocalPlatform.Mismatch(wanted, files) is { } no)
                        throw new RecipeException($"{stage.Term}: {no}", stage.Line);
                    told = files is { } local ? $"linux/{local.Architecture}" : null;
                    // The last line: the state kept holds the base's OnBuild and platform, which the states of
                    // hpcrun versions before them lack. The platform built for keys every step after it, as
                    // BuildKit's: --platform's too, as a local base reads the same for each (the host's is left out,
                    // so that the steps cached before it was keyed stay the host's).
                    string? target = request.Platform == HostPlatform.Name ? null : request.Platform;
                    string key = treeKey = BuildCache.Key("", $"FROM {image.Identity} {stage.Platform ?? target}\n" +
                        "OnBuild, platform");
                    bases[key] = image;
                    if (cache.Has(key)) { state = cache.State(key); Cached(key); }
                    else
                    {
                        (ImageConfig config, string? basePlatform) =
                            Reading(stage, () => image.Unpack(tree, scratch, request, reporter, cancel));
                        state = new StageState { Config = config, BasePlatform = basePlatform };
                        materialized = key;
                        pending[tree] = new Pending(key, state, image.Reread);
                    }
                    // A definition file's image keeps its base's environment as Apptainer's does (%post gets the
                    // default PATH from RunEnvironment all the same).
                    if (recipe.Definition is null)
                        state = state with { Config = StageState.WithDefaultPath(state.Config) };
                }
            }
            finish();
            string? platform = asked ?? parent?.Platform ?? state.BasePlatform ?? told ?? request.Platform;
            // The base's triggers run here, and only here: the image built records only its own ONBUILDs, as
            // Docker's does (a definition file's, as Apptainer's, runs none and records none).
            IReadOnlyList<string> onBuild = state.Config.OnBuild ?? [];
            state = state with { Config = state.Config with { OnBuild = null } };
            if (recipe.Definition is null && triggers)
                state = OnBuild(stage, onBuild, state, tree, ref materialized);
            if (stage.Variables.Count > 0)
                state = state with { Args = new Dictionary<string, string>(state.Args.Concat(stage.Variables)) };
            foreach (Instruction instruction in stage.Instructions)
            {
                finish = Line(instruction);
                cancel.ThrowIfCancellationRequested();
                state = Apply(instruction, state, tree, ref materialized);
                finish();
            }
            (string last, string? reuse) = Finish(tree, materialized);
            return new StageResult(treeKey, last, state, platform, reuse);
        }

        /// <summary>What <paramref name="read"/> reads of the <paramref name="stage"/>'s base; an image it cannot read
        /// is said with the recipe's line and the base's name, as exec names its image, one that is not there or that
        /// a registry did not give with the line (COPY --from=NAME's also saying that no stage is NAME).</summary>
        private T Reading<T>(Stage stage, Func<T> read)
        {
            try { return read(); }
            catch (ImageFormatException e)
            {
                // A local base is read at its full path, which names it already (`FROM ./x.sqfs`: x.sqfs's).
                string named = e.Message.Contains(Path.GetFullPath(stage.From), StringComparison.Ordinal) ? e.Message
                    : e.Naming(stage.From).Message;
                throw new ImageFormatException($"{request.Recipe}:{stage.Line}: {named}");
            }
            catch (MissingFileException e)
            {
                throw new MissingFileException($"{request.Recipe}:{stage.Line}: {e.Message}", e.FileName ?? "");
            }
            catch (PullException e)
            {
                string stageless = stage.Implicit ? $"no stage named {stage.From}; pulling {Pulled(stage.From)}: " : "";
                throw new PullException(e.Status, $"{request.Recipe}:{stage.Line}: {stageless}{e.Message}");
            }
        }

        /// <summary>The registry reference that <paramref name="from"/> is read as, in full (docker.io/library/...);
        /// as written when it is none.</summary>
        private static string Pulled(string from)
        {
            try { return ImageReference.Parse(from).ToString(); }
            catch (FormatException) { return from; }
        }

        /// <summary>Runs the ONBUILD <paramref name="triggers"/> of the stage's base right after its FROM, in order,
        /// as if written there (Dockerfile reference, ONBUILD): each a step of its own, at the FROM's line, keyed in
        /// the cache as the instruction it is. A failure says which base's trigger it was.</summary>
        private StageState OnBuild(Stage stage, IReadOnlyList<string> triggers, StageState state, string tree,
            ref string? materialized)
        {
            for (int i = 0; i < triggers.Count; i++)
            {
                string which = $"{stage.Term}, ONBUILD trigger {i + 1} of {triggers.Count}";
                try
                {
                    Instruction? trigger = DockerfileParser.ReadTrigger(triggers[i], stage.Line);
                    Action finish = Line(trigger ?? new Instruction("ONBUILD", new Dictionary<string, string>(),
                        triggers[i], stage.Line), $"ONBUILD {triggers[i]}", trigger: i + 1);
                    if (trigger is { Keyword: "ARG" })
                        TriggerArgs.UnionWith(Words.Pairs(trigger.Arguments, legacyForm: false).Select(p => p.Key));
                    if (trigger is not null)
                    {
                        cancel.ThrowIfCancellationRequested();
                        state = Apply(trigger, state, tree, ref materialized);
                    }
                    finish();
                }
                catch (RecipeException e) { throw new RecipeException($"{which}: {e.Message}", e.Line); }
                catch (ImageBuildException e)
                {
                    throw new ImageBuildException($"{which}: {e.Message}", e.Failure, e.Signal);
                }
            }
            return state;
        }

        /// <summary>The stage's last tree, to be read from now on: moved into the cache when it was made here, read
        /// there when it was cached, else (no cache) left in the scratch directory. With it, the cache entry where
        /// its image's writer finds and keeps an earlier image (<see cref="StageResult.Reuse"/>,
        /// <see cref="BuildCache.ReuseEntry"/>): the same for the tree's first build and every later one, edited or
        /// not.</summary>
        private (string Tree, string? Reuse) Finish(string tree, string? materialized)
        {
            if (pending.Remove(tree, out Pending? last)) // read from now on: once the cache's links are made
            {
                SharedFiles.SameAs? parent = Synced(tree);
                if (cache.Store(last.Key, tree, last.State, move: true, parent, cancel) is null) return (tree, null);
                return (cache.Tree(last.Key) ?? tree, cache.ReuseEntry(last.Key));
            }
            if (materialized == treeKey) return (tree, null);
            if (Ready(treeKey) is { } ready) return (ready, cache.ReuseEntry(treeKey));
            Materialize(tree, treeKey, ref materialized);
            return (tree, null);
        }

        /// <summary>Applies <paramref name="at"/>; what in it the recipe cannot do names its line, a word's quote left
        /// open (<see cref="Words"/>) too.</summary>
        private StageState Apply(Instruction at, StageState state, string tree, ref string? materialized)
        {
            try { return ApplyInstruction(at, state, tree, ref materialized); }
            catch (RecipeException e) when (e.Line == 0) { throw new RecipeException(e.Message, at.Line); }
        }

        /// <summary>What <paramref name="at"/> makes of the stage's state and tree. A step that changes the tree
        /// (RUN, COPY, ADD, a WORKDIR that makes its directory) is keyed in the cache by the tree it starts from
        /// (<see cref="treeKey"/>) and what can change its files, as BuildKit's cache keys a step by its parent's
        /// file system: so ENV, LABEL, ARG, CMD and the other instructions that change only the image's config re-run
        /// no step by themselves (a new --build-arg used only in a LABEL), while a RUN after a changed ENV or ARG,
        /// which it sees, runs again.</summary>
        private StageState ApplyInstruction(Instruction at, StageState state, string tree, ref string? materialized)
        {
            switch (at.Keyword)
            {
                case "RUN" or "%post":
                    if (!userSaid && UserInstruction.Warning(at.Keyword, state.Config.User ?? "", userFromBase)
                            is { } why)
                    {
                        userSaid = true;
                        reporter.Warning($"{request.Recipe}:{at.Line}: {why}");
                    }
                    treeKey = RunCommand(at, state, tree, ref materialized);
                    break;
                case "COPY" or "ADD" or "%files":
                    treeKey = Copy(at, state, tree, ref materialized);
                    break;
                case "ARG":
                    foreach ((string name, string? value)
                             in state.ExpandPairs(at.Arguments, legacyForm: false, at.Escape))
                    {
                        string? given = request.BuildArgs.TryGetValue(name, out string? v) ? v
                            : value ?? recipe.GlobalArgs.GetValueOrDefault(name);
                        if (given is not null)
                            state = state with { Args = new Dictionary<string, string>(state.Args) { [name] = given } };
                    }
                    break;
                case "ENV":
                    StageState before = state;
                    foreach ((string name, string? value)
                             in before.ExpandPairs(at.Arguments, legacyForm: true, at.Escape))
                        state = state.WithEnv(name, value ?? "");
                    break;
                case "LABEL":
                    var labels = new Dictionary<string, string>(state.Config.Labels);
                    foreach ((string name, string? value)
                             in state.ExpandPairs(at.Arguments, legacyForm: true, at.Escape))
                        labels[name] = value ?? "";
                    state = state with { Config = state.Config with { Labels = labels } };
                    break;
                case "WORKDIR":
                    string dir = InTree(state, state.Expand(at.Arguments, at.Escape).Trim());
                    state = state with { Config = state.Config with { WorkingDir = dir } };
                    // Its directory, not its words: `WORKDIR b` after `WORKDIR /a` or `WORKDIR /c` makes another.
                    string next = BuildCache.Key(treeKey, $"{at.CacheText}\n{dir}");
                    if (Workdir(at, dir, state, next, tree, ref materialized)) treeKey = next;
                    break;
                case "USER":
                    state = state with
                    {
                        Config = state.Config with { User = state.Expand(at.Arguments, at.Escape).Trim() },
                    };
                    userFromBase = false;
                    break;
                case "CMD":
                    state = state with { Config = state.Config with { Cmd = ExecOrShell(at, state) } };
                    cmdSet = true;
                    break;
                case "ENTRYPOINT":
                    state = state with
                    {
                        Config = state.Config with
                        {
                            Entrypoint = ExecOrShell(at, state),
                            Cmd = cmdSet ? state.Config.Cmd : null,
                        },
                    };
                    break;
                case "ONBUILD":
                    state = state with
                    {
                        Config = state.Config with { OnBuild = [.. state.Config.OnBuild ?? [], at.Arguments] },
                    };
                    break;
                case "SHELL":
                    state = state with
                    {
                        Shell = at.ExecForm() ?? throw new RecipeException("SHELL takes a JSON array", at.Line),
                    };
                    break;
            }
            return state;
        }

        private string RunCommand(Instruction at, StageState state, string tree, ref string? materialized)
        {
            IReadOnlyList<string> argv = at.ExecForm() ?? [.. state.Shell, at.Arguments];
            // What the command runs with: its argv (SHELL's), environment and working directory. The last line: what
            // a RUN's tree is now (its empty mount points left out), so that steps kept by an hpcrun that left them in
            // are not taken for it.
            string next = BuildCache.Key(treeKey, $"{at.CacheText}\n{Json([.. argv])}\n" +
                $"{Json([.. state.RunEnvironment().Select(e => $"{e.Key}={e.Value}")])}\n" +
                $"{state.Config.WorkingDir}\nno mount stubs");
            if (Hit(next)) return next;
            Materialize(tree, treeKey, ref materialized);
            ForeignBase.Check(at, tree);
            Keep(tree);
            if (at.Keyword == "%post") ApptainerLayout.PreparePost(tree);
            string? script = at.Script is null ? null : ApptainerLayout.WriteScript(tree, at);
            try { runner.Run(tree, state, argv, at, cancel); }
            catch (ImageBuildException e) when (e.Failure == BuildFailure.RecipeCommandFailed
                && FreeSpace.Lacking(scratch) is { } why)
            {
                // Its command failed on the full disk it ran on, as every other write of the build would (108): what
                // to do is make room or build elsewhere (HPCRUN_CACHEDIR), not change the recipe.
                throw new ImageBuildException(why, BuildFailure.DiskFull) { FailedStep = e.Message };
            }
            finally { if (script is not null) File.Delete(script); }
            return Done(next, tree, state, ref materialized);
        }

        private static IReadOnlyList<string>? ExecOrShell(Instruction at, StageState state) =>
            at.Arguments.Trim().Length == 0 ? null : at.ExecForm() ?? [.. state.Shell, at.Arguments];

        /// <summary>Shows the step's first line, "[3/7] line 5: RUN ..."; the action returned shows its last. A base's
        /// ONBUILD <paramref name="trigger"/> (1, 2...) is numbered within its FROM's step, "[1.2/7]", as the
        /// triggers are known only once the FROM has found its base.</summary>
        private Action Line(Instruction at, string? shownAs = null, int trigger = 0)
        {
            if (trigger == 0) step++;
            string number = trigger == 0 ? $"{step}/{Steps}" : $"{step}.{trigger}/{Steps}";
            string shown = Shorten(shownAs ?? at.Shown ?? $"{at.Keyword} {at.Arguments}");
            progress.WriteLine($"hpcrun: [{number}] line {at.Line}: {shown}");
            cachedLine = false;
            var clock = Stopwatch.StartNew();
            return () => progress.WriteLine(cachedLine ? $"hpcrun: [{number}] cached"
                : $"hpcrun: [{number}] done in {clock.Elapsed.TotalSeconds:0.0} s");
        }

        private static string Shorten(string text)
        {
            string line = string.Join(' ', text.Split((char[])[' ', '\t', '\r', '\n'],
                StringSplitOptions.RemoveEmptyEntries));
            return line.Length <= 80 ? line : line[..77] + "...";
        }

        private static string Json(string[] words) => JsonSerializer.Serialize(words, RecipeJson.Default.StringArray);
    }
}
