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
    public void HpcrunsVariableThenTheSiteThenApptainersThenXdg(string environment, string? site, string? expected)
    {
        Dictionary<string, string> variables = environment.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(expected, ImageCache.DirectoryFrom(variables.GetValueOrDefault, site));
    }
}
