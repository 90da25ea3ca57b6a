using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Failures that .NET reports (a file that cannot be read, JSON that does not parse) reach the user as one
/// line of hpcrun's, with the documented status: the path and strerror(3)'s words, where the JSON fails, and none
/// of .NET's text ("Access to the path '...' is denied.", "'x' is an invalid start of a value.").</summary>
[Collection(ContainerCollection.Name)]
public sealed class NoDotnetTextTests : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"no-dotnet-text-{Guid.NewGuid():N}");

    public NoDotnetTextTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, true);

    /// <summary>A directory image: the busybox tree with <paramref name="files"/> (path, text, mode) added.</summary>
    private string Image(string name, params (string Path, string Text, string Mode)[] files)
    {
        string image = Path.Combine(dir, name);
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, image);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
        foreach (var (path, text, mode) in files)
        {
            string file = Path.Combine(image, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
            TestEnvironment.RunChecked("chmod", mode, file);
        }
        return image;
    }

    private static void OneLine(CommandResult result, int status, string line)
    {
        Assert.True(result.ExitCode == status, result.ToString());
        Assert.Equal(("", $"hpcrun: {line}\n"), (result.Stdout, result.Stderr));
    }

    /// <summary>A tools verb (ImageVerbs.Run's catch-all) on an image file the user cannot read: 71, was .NET's
    /// "Access to the path '...' is denied.".</summary>
    [Fact]
    public void AnUnreadableFileOfTheImageIsItsPathAndPermissionDenied()
    {
        string image = Image("unreadable-help", (".singularity.d/runscript.help", "help\n", "0000"));
        OneLine(Hpcrun.Run("run-help", image), 71, $"{image}/.singularity.d/runscript.help: permission denied");
    }

    /// <summary>An image whose config or labels are not JSON: 65, where the JSON fails.</summary>
    [Fact]
    public void BadJsonInTheImageSaysWhere()
    {
        string config = Image("bad-config", (".hpcrun/config.json", "{\"Env\": [1]}", "0644"));
        OneLine(Hpcrun.Run(config, "true"), 65, "/.hpcrun/config.json in the image: bad JSON at line 1 ($.Env[0])");
        OneLine(Hpcrun.Run("inspect", config), 65,
            $"/.hpcrun/config.json in {config}: bad JSON at line 1 ($.Env[0])");
        string labels = Image("bad-labels", (".singularity.d/labels.json", "{\"a\": 1,\n \"b\": [", "0644"));
        OneLine(Hpcrun.Run("inspect", "--labels", labels), 65, "/.singularity.d/labels.json: bad JSON at line 2");
    }
}
