using System.CommandLine;
using System.Text.Json;
using HpcRun.Build;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Inspect;
using Spectre.Console;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>`hpcrun build OUT SOURCE` and `hpcrun inspect IMAGE`.</summary>
internal static class ImageVerbs
{
    public static Command[] All => [Build(), Inspect()];

    private static Command Build()
    {
        var output = new Argument<string>("output") { Description = "Image to write: SIF (or SquashFS with --sqfs)" };
        var source = new Argument<string>("source")
        {
            Description = "A directory, a `docker save` archive, or an OCI layout (directory or tar)",
        };
        var sqfs = new Option<bool>("--sqfs")
        {
            Description = "Write a bare SquashFS image (config inside, at /.hpcrun/config.json)",
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
        var command = new Command(ToolVerbs.Build.Name, ToolVerbs.Build.Description)
        {
            output, source, sqfs, platform, tag, force, skip,
        };
        command.SetAction(result => Run(() =>
        {
            var request = new BuildRequest(result.GetValue(output)!, result.GetValue(source)!, result.GetValue(sqfs),
                result.GetValue(platform), result.GetValue(tag), result.GetValue(force), result.GetValue(skip),
                SourceDateEpoch());
            WithProgress((reporter, cancel) => ImageBuilder.Build(request, CommandLineRoot.Version, reporter, cancel));
            Console.Error.WriteLine($"hpcrun: wrote {request.Output}");
        }));
        return command;
    }

    /// <summary>Runs <paramref name="work"/> (a build or a pull) under progress bars on a terminal, plain lines
    /// otherwise; SIGINT, SIGTERM and SIGHUP cancel it (<see cref="BuildSignals"/>), and it cleans up before hpcrun
    /// exits 128+N.</summary>
    internal static void WithProgress(Action<IBuildReporter, CancellationToken> work)
    {
        using var signals = new BuildSignals();
        try
        {
            if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
                TerminalReporter.Run(r => work(r, signals.Token), Console.Error);
            else
                work(new PlainReporter(Console.Error), signals.Token);
        }
        catch (OperationCanceledException) when (signals.Signal != 0)
        {
            throw ImageBuildException.Interruption(signals.Signal);
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
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command(ToolVerbs.Inspect.Name, ToolVerbs.Inspect.Description) { image, json };
        command.SetAction(result => Run(() =>
        {
            ImageInfo info = ImageInspector.Inspect(result.GetValue(image)!);
            Console.Write(result.GetValue(json) ? JsonSerializer.Serialize(info, ImageInfoJson.Default.ImageInfo) + "\n"
                : ImageInfoText.Render(info));
        }));
        return command;
    }

    /// <summary>Turns the image library's errors into hpcrun's one-line messages and exit statuses.</summary>
    internal static int Run(Action action)
    {
        try { action(); return 0; }
        catch (ImageFormatException e) { throw new HpcRunException(ExitCode.BadImage, e.Message); }
        catch (FileNotFoundException e) { throw new HpcRunException(ExitCode.ImageNotFound, e.Message); }
        catch (ImageBuildException e) { throw new HpcRunException(Status(e), e.Message); }
        catch (ArgumentException e) { throw new HpcRunException(ExitCode.Usage, e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HpcRunException(ExitCode.SetupFailed, e.Message);
        }
        catch (Exception e) when (e is not HpcRunException)
        {
            throw new HpcRunException(ExitCode.Internal, $"internal error: {e.Message}");
        }
    }

    private static ExitCode Status(ImageBuildException e) => e.Failure switch
    {
        BuildFailure.ToolMissing => ExitCode.MissingTool,
        BuildFailure.OutputUnwritable => ExitCode.BuildOutputUnwritable,
        BuildFailure.SourceUnreadable => ExitCode.BuildSourceUnreadable,
        BuildFailure.Interrupted => (ExitCode)(128 + e.Signal), // as a shell reports a command that signal ended
        _ => ExitCode.SetupFailed,
    };
}
