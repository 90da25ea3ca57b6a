using System.CommandLine;
using HpcRun.Build;
using HpcRun.Build.Recipe;
using HpcRun.CommandLine;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using HpcRun.Registry;
using HpcRun.Tools.Verbs.Registry;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>`hpcrun build OUT Dockerfile|X.def` and `hpcrun build -f RECIPE OUT CONTEXT`: the options a recipe
/// build adds to build, and the call into <see cref="RecipeBuilder"/> with its errors as exit statuses.</summary>
internal sealed class RecipeBuild
{
    public readonly Option<string?> File = new("--file", "-f")
    { Description = "The recipe (Dockerfile or Apptainer definition file); SOURCE is then the build context" };

    public readonly Option<string[]> BuildArgs = new("--build-arg")
    { Description = "NAME=VALUE for the recipe's ARG NAME (repeatable)", AllowMultipleArgumentsPerToken = false };

    public readonly Option<string?> BuildArgFile = new("--build-arg-file")
    { Description = "A file of NAME=VALUE lines, as --build-arg each (which wins); blank and '#' lines skipped" };

    /// <summary>Docker's name, and Apptainer's (--disable-cache: "do not use or create cached images"), which is the
    /// same here: a build reads and writes no cache but its recipe steps'.</summary>
    public readonly Option<bool> NoCache = new("--no-cache", "--disable-cache")
    { Description = "Run every step of the recipe, neither reading nor filling the build cache" };

    public readonly Option<bool> NoTest = new("--notest", "-T")
    { Description = "Build without running the definition file's %test in the finished image" };

    public readonly Option<string?> Target = new("--target")
    { Description = "The stage (FROM ... AS NAME) whose image to write; only the stages it needs are built" };

    public readonly RegistryOptions Registry = new();

    public IEnumerable<Option> All =>
        [File, BuildArgs, BuildArgFile, NoCache, NoTest, Target, Registry.Creds, Registry.Insecure];

    /// <summary>Whether this build is a recipe's: -f given, or SOURCE a recipe file.</summary>
    public bool Applies(ParseResult result, string source) =>
        result.GetValue(File) is not null || RecipeBuilder.IsRecipe(source);

    public void Run(ParseResult result, BuildRequest build)
    {
        string recipe = result.GetValue(File) ?? build.Source;
        string? text = recipe == "-" ? ReadStandardInput() : null; // `-f -`, as docker build's
        string context = result.GetValue(File) is null
            ? DefinitionFile.IsFile(recipe) ? "." : Path.GetDirectoryName(Path.GetFullPath(recipe))!
            : build.Source;
        var args = new Dictionary<string, string>();
        if (result.GetValue(BuildArgFile) is { } file)
        {
            // As an --env-file, what is wrong with it is 73.
            foreach (string line in ReadArgFile(file).Split('\n').Select(l => l.Trim())
                         .Where(l => l.Length > 0 && l[0] != '#'))
            {
                string[] parts = line.Split('=', 2);
                if (parts.Length < 2 || parts[0].Trim().Length == 0)
                    throw new HpcRunException(ExitCode.BadEnvironmentFile,
                        $"--build-arg-file {file}: not NAME=VALUE: {line}");
                args[parts[0].Trim()] = parts[1].Trim();
            }
            if (args.FirstOrDefault(a => a.Value.Contains('\0')) is { Key: { } withNul })
                throw new HpcRunException(ExitCode.BadEnvironmentFile, $"--build-arg-file {file}: the value of " +
                    $"{withNul} holds a NUL character (byte 0), which no variable can");
        }
        foreach (string pair in result.GetValue(BuildArgs) ?? [])
        {
            string[] parts = pair.Split('=', 2);
            if (parts[0].Length == 0) throw new HpcRunException(ExitCode.Usage, $"--build-arg {pair}: give NAME=VALUE");
            // `--build-arg NAME` alone takes NAME's value from the environment, and is no --build-arg at all when
            // NAME is unset there, as docker buildx's listToMap skips it: the ARG keeps its default, and no warning
            // says it went unused.
            if ((parts.Length > 1 ? parts[1] : Environment.GetEnvironmentVariable(parts[0])) is { } value)
                args[parts[0]] = value;
        }
        var request = new RecipeRequest(build.Output, recipe, context, args,
            ApptainerSettings.Flag(result, NoCache, ApptainerSettings.DisableCache), build.Force,
            build.SquashFsOnly, build.Platform, build.SourceDateEpoch,
            ImageCacheDirectory.Find(Environment.GetEnvironmentVariable,
                ImageCacheDirectory.HandedSite(Environment.GetEnvironmentVariable)),
            Path.Combine(AppContext.BaseDirectory, "hpcrun"), CommandLineRoot.Version,
            (reference, platform, reporter, cancel) => Pull(result, reference, platform, reporter, cancel),
            build.MksquashfsArgs)
        {
            // Only a definition file has a %test: a Dockerfile's build leaves the variable unread.
            NoTest = (text is null ? DefinitionFile.IsFile(recipe) : DefinitionFile.Is(recipe, text))
                && ApptainerSettings.Flag(result, NoTest, ApptainerSettings.NoTest),
            Text = text,
            Target = result.GetValue(Target),
            SkipUnreadable = build.SkipUnreadable,
            Proxies = ProxyVariables.From(Environment.GetEnvironmentVariable, args),
        };
        try
        {
            using var signals = new BuildSignals();
            try
            {
                RecipeBuilder.Build(request, ImageVerbs.Reporter(),
                    Logging.ShowsProgress ? Console.Error : TextWriter.Null, signals.Token);
            }
            catch (OperationCanceledException) when (signals.Signal != 0)
            {
                throw ImageBuildException.Interruption(signals.Signal);
            }
        }
        catch (RecipeException e)
        {
            throw new HpcRunException(ExitCode.RecipeInvalid, e.Line > 0 ? $"{recipe}:{e.Line}: {e.Message}"
                : $"{recipe}: {e.Message}");
        }
        catch (ImageBuildException e) when (e.Failure is BuildFailure.RecipeCommandFailed)
        {
            throw new HpcRunException(ExitCode.RecipeCommandFailed, e.Message);
        }
        catch (ImageBuildException e) when (e.Failure is BuildFailure.RecipeSourceRefused)
        {
            throw new HpcRunException(ExitCode.RecipeSourceRefused, e.Message);
        }
        catch (ImageBuildException e) when (e.Failure is BuildFailure.CacheUnusable)
        {
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable, e.Message);
        }
        catch (PullException e) { throw new HpcRunException((ExitCode)e.Status, e.Message); }
    }

    /// <summary>`-f -`'s recipe: stdin, read to its end before the build starts (an empty one is an empty recipe).
    /// Throws 111, as for a recipe file that cannot be read.</summary>
    private static string ReadStandardInput()
    {
        try
        {
            using Stream input = Console.OpenStandardInput();
            using var bytes = new MemoryStream();
            input.CopyTo(bytes);
            return Recipe.Decode(bytes.ToArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HpcRunException(ExitCode.RecipeInvalid, $"-f -: cannot read the recipe from stdin: " +
                IoError.Describe(e));
        }
    }

    /// <summary>--build-arg-file's text, read as an --env-file is (<see cref="SmallTextFile"/>).</summary>
    /// <exception cref="HpcRunException">73, as for an --env-file: it cannot be opened or is not a file.</exception>
    private static string ReadArgFile(string file) =>
        SmallTextFile.TryRead(file, out int errno) ?? throw new HpcRunException(ExitCode.BadEnvironmentFile,
            $"--build-arg-file {Shown.Path(file)}: cannot read it: {SmallTextFile.WhyUnreadable(errno)}");

    /// <summary>A recipe's base <paramref name="text"/> pulled into the image cache; its failure (a reference that
    /// does not parse, the registry's) is a <see cref="PullException"/> with its status, which the build says at
    /// the recipe's line.</summary>
    private string Pull(ParseResult result, string text, string? platform, IBuildReporter reporter,
        CancellationToken cancel)
    {
        try
        {
            ImageReference reference = RegistryVerbs.Parse(text);
            return CachePuller.Pull(RegistryVerbs.Cache(), reference, platform, Registry.Settings(result, reference),
                CommandLineRoot.Version, reporter, cancel);
        }
        catch (RegistryException e) { throw new PullException((int)RegistryVerbs.Status(e.Fault), e.Message); }
        catch (HpcRunException e) { throw new PullException((int)e.Code, e.Message); }
    }
}
