using HpcRun.Image.Registry;

namespace HpcRun.Image.Tests;

/// <summary>Where the image cache lives (<see cref="ImageCache.DirectoryFrom"/>): hpcrun's variable, the site's
/// cache-dir, Apptainer's variables (in a folder of hpcrun's own), then the XDG places.</summary>
public class ImageCacheDirectoryTests
{
    [Theory]
    [InlineData("HPCRUN_CACHEDIR=/own APPTAINER_CACHEDIR=/scratch/app HOME=/home/a", "/site", "/own")]
    [InlineData("APPTAINER_CACHEDIR=/scratch/app HOME=/home/a", "/site", "/site")]
    [InlineData("APPTAINER_CACHEDIR=/scratch/app/ SINGULARITY_CACHEDIR=/old XDG_CACHE_HOME=/x HOME=/home/a", null,
        "/scratch/app/hpcrun")]
    [InlineData("SINGULARITY_CACHEDIR=/old XDG_CACHE_HOME=/x HOME=/home/a", null, "/old/hpcrun")]
    [InlineData("APPTAINER_CACHEDIR= XDG_CACHE_HOME=/x HOME=/home/a", null, "/x/hpcrun")]
    [InlineData("HOME=/home/a", null, "/home/a/.cache/hpcrun")]
    [InlineData("", null, null)]
    [InlineData("XDG_CACHE_HOME=cache HOME=/home/a", null, "/home/a/.cache/hpcrun")] // the XDG rule: passed over
    [InlineData("HPCRUN_CACHEDIR=/own APPTAINER_CACHEDIR=relative", null, "/own")] // a variable that decides nothing
    [InlineData("APPTAINER_CACHEDIR=relative", "/site", "/site")]
    public void HpcrunsVariableThenTheSiteThenApptainersThenXdg(string environment, string? site, string? expected) =>
        Assert.Equal(expected, ImageCache.DirectoryFrom(Variables(environment).GetValueOrDefault, site));

    /// <summary>A relative path in the variable that decides would put the cache wherever each job starts (Apptainer
    /// takes it so, silently): refused, naming the variable, as the site's relative cache-dir is.</summary>
    [Theory]
    [InlineData("HPCRUN_CACHEDIR=cache HOME=/home/a", "HPCRUN_CACHEDIR must be an absolute path, not 'cache'")]
    [InlineData("HPCRUN_CACHEDIR=./c", "HPCRUN_CACHEDIR must be an absolute path, not './c'")]
    [InlineData("APPTAINER_CACHEDIR=scratch/app", "APPTAINER_CACHEDIR must be an absolute path, not 'scratch/app'")]
    [InlineData("SINGULARITY_CACHEDIR=~/old", "SINGULARITY_CACHEDIR must be an absolute path, not '~/old'")]
    [InlineData("HOME=home/a", "HOME must be an absolute path, not 'home/a'")]
    public void ARelativePathInTheVariableThatDecidesIsRefused(string environment, string start)
    {
        var error = Assert.Throws<FormatException>(
            () => ImageCache.DirectoryFrom(Variables(environment).GetValueOrDefault, null));
        Assert.Equal($"{start}: the image cache would be wherever each job starts", error.Message);
    }

    private static Dictionary<string, string> Variables(string environment) =>
        environment.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    /// <summary>Every user of the cache makes it alike: `mkdir -p`, private, and an unusable place said in
    /// strerror's words (never .NET's "Could not find a part of the path").</summary>
    [Fact]
    public void The_cache_is_made_private_with_its_parents_and_an_unusable_place_says_why()
    {
        string top = Directory.CreateTempSubdirectory("hpcrun-cache-").FullName;
        try
        {
            string deep = Path.Combine(top, "a/b/cache");
            Assert.Null(ImageCache.MakeDirectory(deep));
            Assert.Null(ImageCache.MakeDirectory(deep)); // there already
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(Path.Combine(top, "a")));
            File.WriteAllText(Path.Combine(top, "file"), "");
            Assert.Equal("not a directory", ImageCache.MakeDirectory(Path.Combine(top, "file")));
            Assert.Equal("not a directory", ImageCache.MakeDirectory(Path.Combine(top, "file/cache")));
            Assert.Equal("no such file or directory", ImageCache.MakeDirectory("/proc/no/cache"));
        }
        finally { Directory.Delete(top, recursive: true); }
    }
}
