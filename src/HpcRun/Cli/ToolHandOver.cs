using HpcRun.CommandLine;
using HpcRun.Host;
using HpcRun.Image.Formats;
using HpcRun.Launch;
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
        IReadOnlyList<string> environment = WithSiteDefaults(verb, Invocation.EnvironmentEntries);
        SetupException failure = Syscalls.Exec(tools, ["hpcrun", .. args], environment);
        throw new HpcRunException(ExitCode.MissingTool,
            $"{tools} cannot be started ({failure.Message}): it is part of hpcrun, install it beside it");
    }

    /// <summary>The site's defaults that tools take as variables (the launcher alone reads the site configuration):
    /// the verbs that take each, its variable, the user's variables that beat the site's value (the variable itself
    /// among them), and its value.</summary>
    private static readonly (string[] Verbs, string Variable, string[] Beating, Func<SiteConfig, string?> Value)[]
        siteDefaults =
    [
        // The site's directory itself: hpcrun-tools makes and checks the user's folder in it when a verb uses it.
        (ToolVerbs.UsingImageCache, ImageCacheDirectory.SiteVariable, [ImageCacheDirectory.SiteVariable],
            site => site.CacheDirectory),
        (ToolVerbs.UsingImageCache, ImageCacheDirectory.SiteOriginVariable, [ImageCacheDirectory.SiteVariable],
            site => site.CacheDirectory is null ? null : site.Origins.GetValueOrDefault("cache-dir")),
        (ToolVerbs.WritingImages, MksquashfsArgs.Variable,
            [MksquashfsArgs.Variable, .. ApptainerVariables.Names(MksquashfsArgs.ApptainerKey)],
            site => site.MksquashfsArgs),
    ];

    /// <summary><paramref name="environment"/> with HOME where it lacks one and the verb uses the image cache, and
    /// the site's defaults that <paramref name="verb"/> takes set as their variables (HPCRUN_SITE_CACHEDIR and the
    /// line that set it, HPCRUN_MKSQUASHFS_ARGS), each unless a variable that beats the site's value is set and not
    /// empty already (the variable itself; APPTAINER_MKSQUASHFS_ARGS) or the site sets none.
    /// </summary>
    /// <exception cref="HpcRunException">79 (<see cref="ExitCode.SiteConfigInvalid"/>).</exception>
    private static IReadOnlyList<string> WithSiteDefaults(string verb, IReadOnlyList<string> environment)
    {
        // Without HOME (`srun --export=NONE`), the tools find the user's cache and docker login's file where the
        // launcher does: in the account's home.
        if (ToolVerbs.UsingImageCache.Contains(verb) && Invocation.Environment.GetValueOrDefault("HOME") is not
            { Length: > 0 } && NameService.AccountHome() is { } home)
            environment = [.. environment.Where(e => !e.StartsWith("HOME=", StringComparison.Ordinal)), $"HOME={home}"];
        var wanted = siteDefaults.Where(d => d.Verbs.Contains(verb)
            && d.Beating.All(v => Invocation.Environment.GetValueOrDefault(v) is not { Length: > 0 })).ToList();
        if (wanted.Count == 0) return environment;
        SiteConfig site = SiteConfigReader.Read(Invocation.Environment);
        var set = wanted.Where(d => d.Value(site) is not null).ToList();
        bool Replaced(string entry) => set.Any(d => entry.StartsWith(d.Variable + "=", StringComparison.Ordinal));
        return [.. environment.Where(entry => !Replaced(entry)), .. set.Select(d => $"{d.Variable}={d.Value(site)}")];
    }
}
