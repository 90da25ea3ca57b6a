using System.CommandLine;
using System.Text.Json;
using HpcRun.Build;
using HpcRun.Build.Recipe;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Inspect;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Tools.Verbs.Registry;
using Serilog;
using Serilog.Events;
using Spectre.Console;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>`hpcrun build OUT SOURCE`, `hpcrun inspect IMAGE` and `hpcrun run-help IMAGE`.</summary>
internal static class ImageVerbs
{
    public static Command[] All => [Build(), Inspect(), RunHelp()];

    private static Command Build()
    {
        var output = new Argument<string>("output")
        {
            HelpName = "out",
            Description = "Image to write: a SIF, or a bare SquashFS when named *.sqfs or *.squashfs (or with --sqfs)",
        };
        var source = new Argument<string>("source")
        {
            Description = "A directory, a `docker save` archive, an OCI layout (directory or tar), a Dockerfile or " +
                "an Apptainer definition file (or, with -f RECIPE, the build context)",
        };
        var sqfs = new Option<bool>("--sqfs")
        {
            Description = "Write a bare SquashFS image (config inside, at /.hpcrun/config.json), as OUT *.sqfs does",
        };
        var platform = new Option<string?>("--platform")
        {
            Description = "OS/ARCH of the image to take from a multi-platform source (default linux/amd64)",
        };
        var tag = new Option<string?>("--tag") { Description = "Tag of the image to take from a multi-image source" };
        var force = new Option<bool>("--force", "-F") { Description = "Overwrite OUT if it exists" };
        var skip = new Option<bool>("--skip-unreadable")
        {
            Description = "Leave out the files of a directory source that cannot be read (a warning each), not fail",
        };
        // Apptainer's build needs --fakeroot (or -u/--userns, or subordinate ids, or a fakeroot command) to run a
        // recipe unprivileged, and refuses an unused --build-arg without --warn-unused-build-args; hpcrun's build
        // always runs in a user namespace with root emulated, and warns: these are accepted and change nothing.
        var fakeroot = new Option<bool>("--fakeroot") { Hidden = true };
        Option<bool>[] alwaysSo = [.. ((string[][])[["--userns", "-u"], ["--ignore-subuid"],
                ["--ignore-fakeroot-command"], ["--ignore-userns"], ["--warn-unused-build-args"]])
            .Select(names => new Option<bool>(names[0], names[1..]) { Hidden = true })];
        Option<string?> mksquashfs = MksquashfsOption.Create();
        var recipe = new RecipeBuild();
        var command = new Command(ToolVerbs.Build.Name, ToolVerbs.Build.Description)
        {
            output, source, sqfs, platform, tag, force, skip, fakeroot, mksquashfs,
        };
        foreach (Option option in recipe.All.Concat(alwaysSo)) command.Options.Add(option);
        command.With("build [OPTIONS] OUT SOURCE",
            "hpcrun build mycode.sif ./rootfs/                   # a directory (Apptainer's sandbox too)",
            "docker save mycode:1 -o mycode.tar && hpcrun build mycode.sif mycode.tar",
            "hpcrun build analysis.sif Dockerfile                # a recipe, built without privileges",
            "hpcrun build analysis.sif analysis.def              # an Apptainer definition file",
            "hpcrun build python.sif docker://python:3.12        # as hpcrun pull python.sif docker://python:3.12");
        command.SetAction(result => Run(() =>
        {
            // A recipe's FROM may pull, and its %test launches the image.
            SettingWord.CheckSwitches(Environment.GetEnvironmentVariable);
            RegistryVerbs.CheckPlatform(result.GetValue(platform));
            LocalTransports.Existing(result.GetValue(source)!, orMissing: true); // what a transport names
            var (from, chosen) = Transport(result.GetValue(source)!, result.GetValue(tag));
            (bool squashFs, string? contradiction) =
                OutputFormat.Decide(result.GetValue(output)!, result.GetValue(sqfs));
            var request = new BuildRequest(result.GetValue(output)!, from, squashFs,
                // As containerd reads it, once, so that a recipe's stages and pulls, and the record, agree.
                result.GetValue(platform) is { } asked ? PlatformName.Normalize(asked) : null, chosen,
                ApptainerSettings.Flag(result, force, ApptainerSettings.Force),
                result.GetValue(skip),
                SourceDateEpoch(), MksquashfsArgs: MksquashfsOption.Arguments(result, mksquashfs));
            string? recipeFile = result.GetValue(recipe.File);
            if (!ImageReference.IsReference(request.Source)) // `-f -` reads stdin, whatever a file "-" is
                BuildInputs.CheckKinds(request.Source, recipeFile is "-" ? null : recipeFile);
            if (RecipeBuilder.LooksSwapped(request.Output, request.Source))
                throw new HpcRunException(ExitCode.Usage, $"the arguments look swapped: {Shown.Path(request.Output)} " +
                    $"{(File.Exists(request.Output) ? "is a recipe" : "is named as a recipe")}, and " +
                    $"{Shown.Path(request.Source)} " +
                    (Path.Exists(request.Source) ? "an image, which a build writes" : "does not exist") +
                    $"; OUT comes first: hpcrun build [OPTIONS] {Shown.Path(request.Source)} " +
                    Shown.Path(request.Output));
            BuildInputs.CheckOutput(request.Output,
                [("SOURCE", request.Source), .. recipeFile is null ? [] : new[] { ("recipe", recipeFile) }]);
            if (contradiction is not null) throw new HpcRunException(ExitCode.Usage, contradiction);
            if (squashFs && recipeFile is null && ImageSource.LooksLikeImageFile(request.Source))
                throw new HpcRunException(ExitCode.Usage, OutputFormat.NotOfAnImage(request.Output, request.Source));
            if (result.GetValue(mksquashfs) is not null && ImageSource.LooksLikeImageFile(request.Source))
                throw new HpcRunException(ExitCode.Usage, $"--mksquashfs-args: the file system of " +
                    $"{Shown.Path(request.Source)} is copied as it is, not squashed again");
            UnsupportedVerbs.CheckReference(request.Source);
            if (ImageReference.IsReference(request.Source)) // Apptainer's `build OUT docker://REF`: a pull
                RegistryVerbs.Run(() =>
                {
                    ImageReference reference = RegistryVerbs.Parse(request.Source);
                    PullVerb.PullInto(request.Output, reference, request.Platform, request.Force,
                        recipe.Registry.Settings(result, reference), request.MksquashfsArgs ?? [],
                        request.SquashFsOnly);
                });
            else if (recipe.Applies(result, request.Source)) recipe.Run(result, request);
            else if (RecipeBuilder.ContextRecipe(request.Source) is { } context)
                throw new HpcRunException(ExitCode.Usage, $"{Shown.Path(request.Source)} is a build context, not a " +
                    $"root file system: hpcrun build [OPTIONS] {Shown.Path(request.Output)} {Shown.Path(context)}");
            else
                try
                {
                    var files = LocalPlatform.Of(request.Source);
                    if (request.Platform is { } wanted && LocalPlatform.Mismatch(wanted, files) is { } mismatch)
                        throw new HpcRunException(ExitCode.RegistryNoPlatform,
                            $"{Shown.Path(request.Source)}: {mismatch}");
                    // Recorded as what its programs are: a tree or SquashFS says no platform, and an arm64 one
                    // recorded as the host's would be launched, to fail with "Exec format error".
                    BuildRequest built = request.Platform is null && files is { } local
                        ? request with { Platform = $"linux/{local.Architecture}" } : request;
                    WithProgress((reporter, cancel) =>
                        ImageBuilder.Build(built, CommandLineRoot.Version, reporter, cancel));
                }
                catch (ImageFormatException e) { throw e.Naming(request.Source); }
            Wrote(request.Output);
        }));
        return command;
    }

    /// <summary><paramref name="args"/> with Apptainer's `build -f` (--fakeroot, which every hpcrun build is) said
    /// as --fakeroot, where hpcrun's -f is --file: when the word after -f looks like OUT (an image file's name, or
    /// a path that is not there) and one more word follows (SOURCE), as in `build -f out.sif x.def`. Otherwise -f
    /// stays --file (`build -f Dockerfile out.sif .`), and then needs the build context after OUT, as `docker build -f
    /// RECIPE CONTEXT` does (its "requires 1 argument").</summary>
    /// <param name="root">hpcrun-tools' verbs.</param>
    /// <exception cref="HpcRunException">64 (usage): --file with OUT and no context.</exception>
    public static string[] ApptainerFakeroot(string[] args, Command root)
    {
        if (BuildWords(args, root) is not { Count: 1 } words) return args;
        int flag = words.Flag;
        string? value = flag < 0 ? null : args[flag + 1];
        if (value is not null and not "-" && (!Path.Exists(value)
                || RecipeBuilder.ImageSuffixes.Any(s => value.EndsWith(s, StringComparison.OrdinalIgnoreCase))))
            return [.. args[..flag], "--fakeroot", .. args[(flag + 1)..]];
        if (!words.File || args.Any(a => a is "-h" or "--help" or "-?")) return args;
        throw new HpcRunException(ExitCode.Usage, "build -f RECIPE needs the build context after OUT (COPY's " +
            "sources; `.`: the current directory, as in docker build -f RECIPE .): hpcrun build [OPTIONS] -f RECIPE " +
            "OUT CONTEXT");
    }

    /// <summary><paramref name="args"/>, refused when they are `build CONTEXT` alone, by `docker build .`'s habit:
    /// one word, a build context (<see cref="RecipeBuilder.ContextRecipe"/>), no -f and no option build lacks (which
    /// has its own line); the line gives the build of its recipe, as `build OUT CONTEXT` does, where the parser would
    /// say only that SOURCE is missing.</summary>
    /// <exception cref="HpcRunException">64 (usage).</exception>
    public static string[] ContextAlone(string[] args, Command root) =>
        BuildWords(args, root) is { Count: 1, Flag: < 0, File: false, Unknown: false, Last: { } word }
        && !args.Any(a => a is "-h" or "--help" or "-?") && RecipeBuilder.ContextRecipe(word) is { } recipe
            ? throw new HpcRunException(ExitCode.Usage, $"build needs OUT before the build context " +
                $"{Shown.Path(word)}: hpcrun build [OPTIONS] OUT.sif {Shown.Path(recipe)}")
            : args;

    /// <summary>What `build` was given before it is parsed: how many of its words are no option or option's value,
    /// the last of them, where a -f is (-1: none), whether --file is given (as -f, --file or --file=RECIPE) and
    /// whether an option build lacks is; null for another verb.</summary>
    private static (int Count, string? Last, int Flag, bool File, bool Unknown)? BuildWords(string[] args,
        Command root)
    {
        int verb = ImageCommandLine.VerbAt(args, root), flag = -1, words = 0;
        string? last = null;
        bool file = false, unknown = false;
        if (verb < 0 || args[verb] != ToolVerbs.Build.Name) return null;
        IList<Option> options = root.Subcommands.First(c => c.Name == args[verb]).Options;
        for (int i = verb + 1; i < args.Length; i++)
        {
            if (args[i] == "--")
            {
                words += args.Length - i - 1;
                break;
            }
            file |= args[i].Split('=', 2)[0] is "-f" or "--file" && (args[i].Contains('=') || i + 1 < args.Length);
            if (args[i] == "-f" && flag < 0 && i + 1 < args.Length) flag = i++;
            else if (!args[i].StartsWith('-') || args[i] == "-") (words, last) = (words + 1, args[i]);
            else if (options.FirstOrDefault(o => o.Name == args[i].Split('=', 2)[0]
                         || o.Aliases.Contains(args[i].Split('=', 2)[0])) is not { } option)
                unknown = true;
            else if (option.ValueType != typeof(bool) && !args[i].Contains('='))
                i++; // its value
        }
        return (words, last, flag, file, unknown);
    }

    /// <summary>Apptainer's transport prefixes for local images taken off (hpcrun tells these sources apart by their
    /// content), with the image they name: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:NAME:TAG]`,
    /// split at the first colon after the prefix as Apptainer's containers/image splits them (unless the whole rest
    /// names a file). The tag is --tag's (<paramref name="tag"/>, which must then agree).</summary>
    /// <exception cref="HpcRunException">64 (usage): docker-daemon:, which hpcrun cannot reach; a tag that --tag
    /// contradicts. (An image chosen by its place in an archive, @N, is <see cref="LocalTransports.Existing"/>'s.)
    /// </exception>
    internal static (string Source, string? Tag) Transport(string source, string? tag)
    {
        if (source.StartsWith("docker-daemon:", StringComparison.Ordinal))
            throw new HpcRunException(ExitCode.Usage, $"'{Shown.Path(source)}': " +
                UnsupportedVerbs.DockerSave(source["docker-daemon:".Length..], "build from image.tar"));
        if (LocalTransports.Split(source, Path.Exists) is not { } split) return (source, tag);
        if (split.Named is { } image && tag is not null && image != tag)
            throw new HpcRunException(ExitCode.Usage, $"'{source}' names the image '{image}', --tag '{tag}'");
        return (split.Path, tag ?? split.Named);
    }

    /// <summary>Plain progress lines and warnings on stderr, as -q and -s leave them (<see cref="Logging"/>), and
    /// notes in -v's log.</summary>
    internal static PlainReporter Reporter() =>
        new(Console.Error, Logging.ShowsProgress, Log.IsEnabled(LogEventLevel.Warning), LogNote);

    /// <summary>A build's note (<see cref="IBuildReporter.Note"/>), which -v shows.</summary>
    internal static void LogNote(string note) => Log.Information("{Note:l}", note);

    /// <summary>The line that names the file a build or pull wrote (a progress line: none with -q or -s).</summary>
    internal static void Wrote(string path)
    {
        if (Logging.ShowsProgress) Console.Error.WriteLine($"hpcrun: wrote {Shown.Path(path)}");
    }

    /// <summary>Runs <paramref name="work"/> (a build or a pull) under progress bars on a terminal, plain lines
    /// otherwise; SIGINT, SIGTERM and SIGHUP cancel it (<see cref="BuildSignals"/>), and it cleans up before hpcrun
    /// exits 128+N, saying what stopped (<paramref name="name"/>: build, pull).</summary>
    internal static void WithProgress(Action<IBuildReporter, CancellationToken> work, string name = "build")
    {
        using var signals = new BuildSignals();
        try
        {
            if (Logging.ShowsProgress && AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
                TerminalReporter.Run(r => work(r, signals.Token), Console.Error);
            else
                work(Reporter(), signals.Token);
        }
        catch (OperationCanceledException) when (signals.Signal != 0)
        {
            throw ImageBuildException.Interruption(signals.Signal, name);
        }
    }

    /// <summary>SOURCE_DATE_EPOCH (reproducible-builds.org "SOURCE_DATE_EPOCH" specification): whole seconds since
    /// 1970, within what SquashFS stores (unsigned 32 bits); unset or empty: none.</summary>
    private static long? SourceDateEpoch()
    {
        string? value = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrEmpty(value)) return null;
        if (value.All(char.IsAsciiDigit) && ulong.TryParse(value, out ulong seconds) && seconds <= uint.MaxValue)
            return (long)seconds;
        throw new HpcRunException(ExitCode.Usage,
            $"SOURCE_DATE_EPOCH={value} is not a time: give whole seconds since 1970 (0 to {uint.MaxValue})");
    }

    private static Command Inspect()
    {
        var image = new Argument<string>("image") { Description = "SIF or SquashFS file, or a directory" };
        var json = new Option<bool>("--json", "-j") { Description = "Print JSON" };
        (Option<bool> Option, AttributeKinds Kind)[] attributes =
        [
            (new("--labels", "-l") { Description = "Only the labels (Apptainer's labels.json and the config's)" },
                AttributeKinds.Labels),
            (new("--deffile", "-d") { Description = "Only the definition file the image was built from" },
                AttributeKinds.Deffile),
            (new("--runscript", "-r") { Description = "Only the runscript" }, AttributeKinds.Runscript),
            (new("--test", "-t") { Description = "Only the test script (%test, run by hpcrun test)" },
                AttributeKinds.Test),
            (new("--environment", "-e") { Description = "Only the environment scripts (/.singularity.d/env)" },
                AttributeKinds.Environment),
            (new("--helpfile", "-H") { Description = "Only the help text (%help)" }, AttributeKinds.Helpfile),
            (new("--startscript", "-s") { Description = "Only the startscript (%startscript: Apptainer's instances)" },
                AttributeKinds.Startscript),
        ];
        var command = new Command(ToolVerbs.Inspect.Name, ToolVerbs.Inspect.Description) { image, json };
        foreach (var (option, _) in attributes) command.Options.Add(option);
        command.With(
            "inspect [--json] [--labels] [--deffile] [--runscript] [--test] [--environment] [--helpfile] " +
            "[--startscript] IMAGE",
            "hpcrun inspect mycode.sif                 # everything hpcrun knows, for people",
            "hpcrun inspect --labels --json mycode.sif # as apptainer inspect --labels --json prints it");
        command.SetAction(result => Run(() =>
        {
            string path = LocalImage(result.GetValue(image)!);
            ImageArgument.Probe(path); // run's words and statuses for what is missing, unreadable or no image
            AttributeKinds kinds = attributes.Where(a => result.GetValue(a.Option))
                .Aggregate(AttributeKinds.None, (all, a) => all | a.Kind);
            if (kinds != AttributeKinds.None)
            {
                ApptainerAttributes found = ApptainerAttributesReader.Read(path, kinds);
                Console.Write(result.GetValue(json)
                    ? JsonSerializer.Serialize(new ApptainerInspection(new ApptainerInspectionData(found.ForJson())),
                        ApptainerInspectionJson.AsApptainer.ApptainerInspection) + "\n"
                    : ApptainerAttributesText.Render(found));
                return;
            }
            ImageInfo info = ImageInspector.Inspect(path);
            Console.Write(result.GetValue(json)
                ? JsonSerializer.Serialize(info.ForJson(), ImageInfoJson.Relaxed.ImageInfo) + "\n"
                : ImageInfoText.Render(info));
        }));
        return command;
    }

    /// <summary>As `apptainer run-help`: the help text, or a line saying there is none (status 0).</summary>
    private static Command RunHelp()
    {
        var image = new Argument<string>("image") { Description = "SIF or SquashFS file, or a directory" };
        var command = new Command(ToolVerbs.RunHelp.Name, ToolVerbs.RunHelp.Description) { image }
            .With("run-help IMAGE",
                "hpcrun run-help mycode.sif",
                "hpcrun run-help ./sandbox/              # a directory image");
        command.SetAction(result => Run(() =>
        {
            string path = LocalImage(result.GetValue(image)!);
            ImageArgument.Probe(path);
            string? help = ApptainerAttributesReader.Read(path, AttributeKinds.Helpfile).Helpfile;
            Console.Write(help is { Length: > 0 } ? help.TrimEnd('\n') + "\n"
                : "No help sections were defined for this image\n");
        }));
        return command;
    }

    /// <summary>The image file <paramref name="argument"/> names: itself, or for a docker:// reference its SIF in the
    /// image cache, found without asking the registry (as `--offline` finds it): inspect, run-help and bench look at
    /// an image, and pull none.</summary>
    /// <exception cref="HpcRunException">64 for a verb's name or another scheme, 100 for a reference that does not
    /// parse, 109 (<see cref="ExitCode.NotCached"/>) when the cache lacks it.</exception>
    internal static string LocalImage(string argument)
    {
        UnsupportedVerbs.Check(argument);
        if (!ImageReference.IsReference(argument)) return argument;
        ImageReference reference = RegistryVerbs.Parse(argument);
        ImageCache cache = RegistryVerbs.Cache();
        return cache.Find(reference, HostPlatform.Name) ?? throw new HpcRunException(ExitCode.NotCached,
            $"{reference} is not in the image cache ({cache.Root}): pull it first " +
                $"({ImageCacheDirectory.PullCommand(argument)})");
    }

    /// <summary>Turns the image library's errors into hpcrun's one-line messages and exit statuses.</summary>
    internal static int Run(Action action)
    {
        try { action(); return 0; }
        catch (ImageFormatException e) { throw new HpcRunException(ExitCode.BadImage, e.Message); }
        catch (FileNotFoundException e) { throw new HpcRunException(ExitCode.ImageNotFound, IoError.Message(e)); }
        catch (ImageBuildException e) { throw new HpcRunException(Status(e), e.Message); }
        catch (ArgumentException e) when (Unexpected.IsOurs(e))
        {
            throw new HpcRunException(ExitCode.Usage, e.Message);
        }
        catch (Exception e) { throw Unexpected.Error(e); }
    }

    private static ExitCode Status(ImageBuildException e) => e.Failure switch
    {
        BuildFailure.ToolMissing => ExitCode.MissingTool,
        BuildFailure.OutputUnwritable => ExitCode.BuildOutputUnwritable,
        BuildFailure.SourceUnreadable => ExitCode.BuildSourceUnreadable,
        BuildFailure.Interrupted => (ExitCode)SignalDeath.Record(e.Signal), // the process ends by it (Program.cs)
        BuildFailure.CacheUnusable or BuildFailure.DiskFull => ExitCode.DiskFullOrCacheUnusable,
        BuildFailure.RecipeCommandFailed => ExitCode.RecipeCommandFailed,
        BuildFailure.RecipeInvalid => ExitCode.RecipeInvalid,
        BuildFailure.RecipeSourceRefused => ExitCode.RecipeSourceRefused,
        BuildFailure.ImageArchitecture => ExitCode.ImageArchitecture,
        _ => ExitCode.SetupFailed,
    };
}
