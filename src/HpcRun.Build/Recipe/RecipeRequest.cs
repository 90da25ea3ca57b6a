namespace HpcRun.Build.Recipe;

/// <summary>What `hpcrun build OUT RECIPE` was asked for: OUT, the recipe file (a Dockerfile or an Apptainer
/// definition file), the build context (COPY's sources; default the recipe's directory), --build-arg values,
/// --no-cache, --force, --sqfs, --platform, SOURCE_DATE_EPOCH; the build cache's directory (null: none), the
/// launcher binary that runs RUN steps, hpcrun's version, and how to pull a registry reference for a platform (null:
/// the host's) into a local SIF (the caller's registry client); --mksquashfs-args for the image written (checked:
/// <see cref="BuildRequest.MksquashfsArgs"/>).</summary>
public sealed record RecipeRequest(string Output, string Recipe, string Context,
    IReadOnlyDictionary<string, string> BuildArgs, bool NoCache, bool Force, bool SquashFsOnly, string? Platform,
    long? SourceDateEpoch, string? CacheDirectory, string Hpcrun, string Version,
    Func<string, string?, IBuildReporter, CancellationToken, string> Pull, IReadOnlyList<string>? MksquashfsArgs = null)
{
    /// <summary>--target NAME: the stage (FROM ... AS NAME) whose image the build writes, as `docker build
    /// --target`; null: the last.</summary>
    public string? Target { get; init; }

    /// <summary>--skip-unreadable: a directory base's files this process cannot read are left out, with a warning
    /// each, as `hpcrun build OUT DIR` leaves them out (<see cref="DirectoryScan"/>); else they refuse the
    /// build.</summary>
    public bool SkipUnreadable { get; init; }

    /// <summary>The recipe's text when it was read already: `-f -`'s, from stdin, as `docker build -f - CONTEXT`
    /// reads it (<see cref="Recipe"/> is then "-", as messages name it); null: read from the file
    /// <see cref="Recipe"/>.</summary>
    public string? Text { get; init; }

    /// <summary>--notest (-T): the definition file's %test is not run after the build (Apptainer's option).</summary>
    public bool NoTest { get; init; }

    /// <summary>The proxy settings every RUN gets (<see cref="ProxyVariables.From"/>), outside the cache's keys and
    /// the image.</summary>
    public IReadOnlyDictionary<string, string> Proxies { get; init; } = new Dictionary<string, string>();
}
