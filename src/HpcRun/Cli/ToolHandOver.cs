using HpcRun.CommandLine;
using HpcRun.Host;
using HpcRun.Image.Registry;
using HpcRun.Native;

namespace HpcRun.Cli;

/// <summary>hpcrun runs the verbs of <see cref="ToolVerbs"/> by exec of hpcrun-tools, the binary beside it.</summary>
internal static class ToolHandOver
{
    /// <summary>Runs hpcrun-tools in this process when <paramref name="args"/> name one of its verbs.</summary>
    /// <exception cref="HpcRunException">72 (<see cref="ExitCode.MissingTool"/>) when it cannot be started.</exception>
    public static void HandOver(string[] args)
    {
        if (ToolVerbs.Named(args) is not { } verb) return;
        // Be the real user in the namespace early.c entered: the tools read the user's files and name.
        EarlyNamespace.BeYourselfInside();
        string tools = Path.Combine(AppContext.BaseDirectory, ToolVerbs.Binary);
        IReadOnlyList<string> environment = ToolVerbs.UsingImageCache.Contains(verb)
            ? WithSiteCache(Invocation.EnvironmentEntries)
            : Invocation.EnvironmentEntries;
        SetupException failure = Syscalls.Exec(tools, ["hpcrun", .. args], environment);
        throw new HpcRunException(ExitCode.MissingTool,
            $"{tools} cannot be started ({failure.Message}): it is part of hpcrun, install it beside it");
    }

    /// <summary><paramref name="environment"/> with HPCRUN_CACHEDIR set to the site's cache-dir, unless it is set
    /// already (it beats the site's) or the site sets none.</summary>
    /// <exception cref="HpcRunException">79 (<see cref="ExitCode.SiteConfigInvalid"/>).</exception>
    private static IReadOnlyList<string> WithSiteCache(IReadOnlyList<string> environment) =>
        Invocation.Environment.GetValueOrDefault(ImageCache.DirectoryVariable) is { Length: > 0 }
            || SiteConfigReader.Read(Invocation.Environment).CacheDirectory is not { } site
            ? environment
            : [.. environment, $"{ImageCache.DirectoryVariable}={site}"];
}
