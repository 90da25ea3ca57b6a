using System.CommandLine;
using System.Text.Json;
using HpcRun.Image;
using HpcRun.Image.Build;
using HpcRun.Image.Inspect;
using Spectre.Console;

namespace HpcRun.Cli;

/// <summary>`hpcrun build OUT SOURCE` and `hpcrun inspect IMAGE`.</summary>
internal static class ImageVerbs
{
    public static Command[] All => [Build(), Inspect()];

    private static Command Build()
    {
        var output = new Argument<string>("output") { Description = "Image to write: a SIF file (or SquashFS with --sqfs)" };
        var source = new Argument<string>("source") { Description = "A directory, a `docker save` archive, or an OCI layout (directory or tar)" };
        var sqfs = new Option<bool>("--sqfs") { Description = "Write a bare SquashFS image (config inside, at /.hpcrun/config.json)" };
        var platform = new Option<string?>("--platform") { Description = "OS/ARCH of the image to take from a multi-platform source (default linux/amd64)" };
        var tag = new Option<string?>("--tag") { Description = "Tag of the image to take from a multi-image source" };
        var command = new Command(ToolVerbs.Build.Name, ToolVerbs.Build.Description) { output, source, sqfs, platform, tag };
        command.SetAction(result => Run(() =>
        {
            var request = new BuildRequest(result.GetValue(output)!, result.GetValue(source)!, result.GetValue(sqfs), result.GetValue(platform), result.GetValue(tag));
            if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
                TerminalReporter.Run(reporter => ImageBuilder.Build(request, HpcRunCli.Version, reporter), Console.Error);
            else
                ImageBuilder.Build(request, HpcRunCli.Version, new PlainReporter(Console.Error));
            Console.Error.WriteLine($"hpcrun: wrote {request.Output}");
        }));
        return command;
    }

    private static Command Inspect()
    {
        var image = new Argument<string>("image") { Description = "SIF or SquashFS file, or a directory" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command(ToolVerbs.Inspect.Name, ToolVerbs.Inspect.Description) { image, json };
        command.SetAction(result => Run(() =>
        {
            ImageInfo info = ImageInspector.Inspect(result.GetValue(image)!);
            Console.Write(result.GetValue(json) ? JsonSerializer.Serialize(info, ImageInfoJson.Default.ImageInfo) + "\n" : ImageInfoText.Render(info));
        }));
        return command;
    }

    /// <summary>Turns the image library's errors into hpcrun's one-line messages and exit statuses.</summary>
    private static int Run(Action action)
    {
        try { action(); return 0; }
        catch (ImageFormatException e) { throw new HpcRunException(ExitCode.BadImage, e.Message); }
        catch (FileNotFoundException e) { throw new HpcRunException(ExitCode.ImageNotFound, e.Message); }
        catch (ImageBuildException e) { throw new HpcRunException(e.MissingTool ? ExitCode.MissingTool : ExitCode.SetupFailed, e.Message); }
        catch (ArgumentException e) { throw new HpcRunException(ExitCode.Usage, e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new HpcRunException(ExitCode.SetupFailed, e.Message); }
    }
}
