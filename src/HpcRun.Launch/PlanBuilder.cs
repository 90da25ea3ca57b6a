namespace HpcRun.Launch;

/// <summary>The container under construction, shared by the <see cref="ILaunchPart"/>s.</summary>
public sealed class PlanBuilder
{
    private readonly List<MountSpec> mounts = [];
    private readonly List<string> environmentOrder = [];
    private readonly Dictionary<string, string> environment = [];
    private readonly List<PlanMessage> messages = [];
    private readonly Dictionary<string, string> mountOrigins = [];

    public IReadOnlyList<MountSpec> Mounts => mounts;
    public IReadOnlyList<string> Argv { get; set; } = [];
    /// <summary><see cref="ContainerPlan.Output"/>.</summary>
    public string? Output { get; set; }
    /// <summary><see cref="ContainerPlan.JobCommand"/>; empty: <see cref="Argv"/>.</summary>
    public IReadOnlyList<string> JobCommand { get; set; } = [];
    public string? WorkingDirectory { get; set; }
    public bool WritableRoot { get; set; }
    public IdMap? Ids { get; set; }
    /// <summary>The image's environment scripts, when the job's own shell evaluates them (<see
    /// cref="Parts.ImageEnvironment"/>): the command part wraps the job's argv with them.</summary>
    public Parts.ImageEnvironment? ImageEnvironment { get; set; }

    public IReadOnlyList<PlanMessage> Messages => messages;

    /// <summary><see cref="ContainerPlan.MountOrigins"/>.</summary>
    public IReadOnlyDictionary<string, string> MountOrigins => mountOrigins;

    /// <param name="origin">The variable or the site configuration's line that asked for it (APPTAINER_BIND,
    /// /etc/hpcrun/hpcrun.conf:3); null for what the user typed or hpcrun's own.</param>
    public void Mount(MountSpec mount, string? origin = null)
    {
        mounts.Add(mount);
        if (origin is null) mountOrigins.Remove(mount.Target);
        else mountOrigins[mount.Target] = origin;
    }

    /// <summary>A line for the user (<see cref="PlanMessage"/>), printed by the launcher.</summary>
    public void Tell(MessageLevel level, string text) => messages.Add(new PlanMessage(level, text));

    public void Warn(string text) => Tell(MessageLevel.Warning, text);

    /// <summary>True when some mount already provides <paramref name="path"/> (it is at or below a bind
    /// target).</summary>
    public bool IsCovered(string path) => mounts.Any(m => PathText.IsUnder(path, m.Target));

    /// <summary>True when <paramref name="path"/> lies inside (not at) a tmpfs of the plan (--contain's /tmp): what
    /// the host has there is hidden.</summary>
    public bool IsInsideTmpfs(string path) =>
        mounts.Any(m => m.Kind == MountKind.Tmpfs && PathText.IsUnder(path, m.Target) && path != m.Target);

    public void SetEnv(string name, string value)
    {
        if (!environment.ContainsKey(name)) environmentOrder.Add(name);
        environment[name] = value;
    }

    public string? GetEnv(string name) => environment.GetValueOrDefault(name);

    /// <summary>Puts <paramref name="dirs"/> (colon-separated) first on LD_LIBRARY_PATH: host libraries a part
    /// binds in go before the image's.</summary>
    public void PrependLibraryPath(string dirs) =>
        SetEnv("LD_LIBRARY_PATH", GetEnv("LD_LIBRARY_PATH") is { Length: > 0 } path ? $"{dirs}:{path}" : dirs);

    public IReadOnlyList<KeyValuePair<string, string>> Environment =>
        [.. environmentOrder.Select(n => KeyValuePair.Create(n, environment[n]))];
}
