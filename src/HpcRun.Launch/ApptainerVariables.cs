using HpcRun.Gpu;

namespace HpcRun.Launch;

/// <summary>
/// The variables Apptainer reads in place of its flags, so batch scripts written for it keep working:
/// APPTAINER_X, else SINGULARITY_X (Apptainer's precedence; a flag given on the command line comes first).
/// Binds and mounts add to -B/--mount (APPTAINER_BIND, APPTAINER_BINDPATH, SINGULARITY_BIND,
/// SINGULARITY_BINDPATH, APPTAINER_MOUNT); CLEANENV, CONTAIN, CONTAINALL, FAKEROOT, NO_HOME, NV, ROCM and
/// WRITABLE_TMPFS switch their flag on (NV and ROCM give way to --gpu, --nv, --rocm and HPCRUN_GPU; both: NV's);
/// HOME, PWD/CWD/TARGET_PWD/TARGET_CWD, NO_MOUNT, SHELL and ENV_FILE give a value when the flag gave none. The
/// image verbs read theirs through <see cref="Find"/> and <see cref="On"/> (pull, build). A home (-H or
/// HOME) together with none (--no-home, --no-mount home, NO_HOME, NO_MOUNT's home) is refused, naming both. Source:
/// Apptainer's cmd/internal/cli/action_flags.go (EnvKeys) and its user guide, "Environment variables".
/// </summary>
public static class ApptainerVariables
{
    public static readonly string[] Prefixes = ["APPTAINER_", "SINGULARITY_"];

    /// <summary>The boolean variables (after a prefix).</summary>
    private static readonly string[] Switches =
        ["CLEANENV", "CONTAIN", "CONTAINALL", "FAKEROOT", "NO_HOME", "NV", "ROCM", "WRITABLE_TMPFS"];

    /// <summary>Apptainer's names of the setting <paramref name="key"/>, in the order it reads them: APPTAINER_KEY,
    /// then SINGULARITY_KEY.</summary>
    public static IEnumerable<string> Names(string key) => Prefixes.Select(prefix => prefix + key);

    /// <summary>The variable that sets one of <paramref name="keys"/> (one flag's spellings, NOHTTPS and NO_HTTPS)
    /// and its value, as Apptainer finds it: every key with APPTAINER_ first, then with SINGULARITY_; null when none
    /// is set (an empty one is unset).</summary>
    public static (string Name, string Value)? Find(Func<string, string?> environment, params string[] keys)
    {
        // Loops, not a LINQ chain: every launch comes here, and a Select after another operator is a generic
        // virtual call, which NativeAOT resolves at run time with its type loader (bench/section.md, "start-up").
        foreach (string prefix in Prefixes)
            foreach (string key in keys)
                if (environment(prefix + key) is { Length: > 0 } value) return (prefix + key, value);
        return null;
    }

    /// <summary>Whether Apptainer's switch for one of <paramref name="keys"/> is on (<see cref="Find"/>); off when
    /// unset.</summary>
    /// <exception cref="HpcRunException">64 (usage) for a word Go's strconv.ParseBool refuses, naming the variable.
    /// </exception>
    public static bool On(Func<string, string?> environment, params string[] keys) =>
        Find(environment, keys) is { } v && Truth(v.Name, v.Value);

    /// <summary>A switch that hpcrun's <paramref name="variable"/> sets (HPCRUN_INSECURE), else Apptainer's for
    /// <paramref name="keys"/>; off when neither is set. Both are read, so that a bad word in either is refused.
    /// </summary>
    /// <exception cref="HpcRunException">64 (usage) for a bad word, naming the variable.</exception>
    public static bool Switch(Func<string, string?> environment, string variable, params string[] keys)
    {
        bool apptainers = On(environment, keys);
        return environment(variable) is { Length: > 0 } word ? SettingWord.Parse(variable, word, SettingWord.Switch)
            : apptainers;
    }

    /// <summary>Plain HTTP to registries: HPCRUN_INSECURE, else Apptainer's --no-https variables (NOHTTPS,
    /// NO_HTTPS), for a pull and for a launch's own check of a tag alike.</summary>
    public static bool Insecure(Func<string, string?> environment) =>
        Switch(environment, "HPCRUN_INSECURE", "NOHTTPS", "NO_HTTPS");

    /// <summary>The request with what <paramref name="environment"/> adds to it.</summary>
    /// <exception cref="HpcRunException">64 (usage) for a bad value, naming the variable, or a home and no home.
    /// </exception>
    public static LaunchRequest Apply(LaunchRequest request, IReadOnlyDictionary<string, string> environment)
    {
        (string Name, string Value)? Find(params string[] keys) =>
            ApptainerVariables.Find(environment.GetValueOrDefault, keys);
        bool On(string key) => ApptainerVariables.On(environment.GetValueOrDefault, key);
        // Each read once here: a bad value is refused even where a flag makes the variable moot.
        foreach (string key in Switches) On(key);

        var binds = request.Binds.ToList();
        foreach (string key in new[] { "BIND", "BINDPATH" })
            if (Find(key) is { } bind)
                binds.AddRange(Spec(bind.Name, () => BindSpec.ParseList(bind.Value).ToList())
                    .Select(b => b with { Origin = bind.Name }));
        if (Find("MOUNT") is { } mount)
            binds.AddRange(MountOption.Parse(mount.Name, mount.Value).Select(b => b with { Origin = mount.Name }));
        bool containAll = On("CONTAINALL");
        NoMount noMount = request.NoMount;
        if (Find("NO_MOUNT") is { } words && noMount == NoMount.None) noMount = noMount.With(words.Name, words.Value);
        if (Find("NO_HOME") is { } noHome && Truth(noHome.Name, noHome.Value))
            noMount = noMount with { Home = true, HomeOrigin = noMount.HomeOrigin ?? noHome.Name };
        (string Name, string Value)? homeVariable = request.Home is null ? Find("HOME") : null;
        (string Name, string Value)? envFileVariable = request.EnvFiles.Count == 0 ? Find("ENV_FILE") : null;
        LaunchRequest result = request with
        {
            Binds = binds,
            CleanEnv = request.CleanEnv || containAll || On("CLEANENV"),
            Contain = request.Contain || containAll || On("CONTAIN"),
            FakeRoot = request.FakeRoot || On("FAKEROOT"),
            WritableTmpfs = request.WritableTmpfs || On("WRITABLE_TMPFS"),
            EnvFiles = envFileVariable is { } envFile ? [envFile.Value] : request.EnvFiles,
            EnvFilesOrigin = envFileVariable?.Name ?? request.EnvFilesOrigin,
            Home = request.Home ?? (homeVariable is { } home ? HomeSpec.Parse(home.Name, home.Value) : null),
            HomeOrigin = request.HomeOrigin ?? homeVariable?.Name,
            WorkingDirectory = request.WorkingDirectory
                ?? (Find("PWD", "CWD", "TARGET_PWD", "TARGET_CWD") is { } pwd ? Absolute(pwd.Name, pwd.Value) : null),
            ShellPath = request.ShellPath ?? (request.Shell ? Find("SHELL")?.Value : null),
            NoMount = noMount,
        };
        result = Gpu(result, environment);
        // A home to bind and none at all, whether flags or variables said them (APPTAINER_HOME is --home's value).
        if (result.Home is not null && result.NoMount.Home)
            throw new HpcRunException(ExitCode.Usage,
                $"{result.HomeOrigin ?? "--home"} contradicts {result.NoMount.HomeOrigin ?? "--no-home"}");
        return result;
    }

    /// <summary>The request with the GPUs that NV and ROCM ask for when no option and no HPCRUN_GPU chose them.
    /// </summary>
    /// <exception cref="HpcRunException">64 (usage) for a word Go's strconv.ParseBool refuses, naming the variable.
    /// </exception>
    public static LaunchRequest Gpu(LaunchRequest request, IReadOnlyDictionary<string, string> environment)
    {
        string? Named(string key) =>
            Find(environment.GetValueOrDefault, key) is { } v && Truth(v.Name, v.Value) ? v.Name : null;
        string? nv = Named("NV"), rocm = Named("ROCM");
        return request.Gpu is not null
            || environment.GetValueOrDefault(GpuSelection.EnvironmentVariable) is { Length: > 0 } ? request
            : Gpu(request, nv, rocm);
    }

    /// <summary>The request with the GPUs Apptainer's --nv and --rocm ask for (<paramref name="nv"/>,
    /// <paramref name="rocm"/>: the option or variable that set each, null when off): the vendor if the host has it,
    /// else a warning (optional). Both: --nv's, and the launch warns that --rocm is not applied, as Apptainer does
    /// (apptainer/apptainer#1596).</summary>
    public static LaunchRequest Gpu(LaunchRequest request, string? nv, string? rocm) =>
        nv is not null
            ? request with { Gpu = GpuSelection.Nvidia with { Optional = true }, GpuOrigin = nv, GpuIgnored = rocm }
        : rocm is not null ? request with { Gpu = GpuSelection.Amd with { Optional = true }, GpuOrigin = rocm }
        : request;

    /// <summary>A boolean as Go's strconv.ParseBool reads it (Apptainer's flags do).</summary>
    private static bool Truth(string name, string value) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        // Worded as hpcrun's own switches (SettingWord.Switch), with Go's words.
        _ => throw new HpcRunException(ExitCode.Usage,
            $"{name}: '{value}' is neither on (1, t, true) nor off (0, f, false)"),
    };

    /// <summary>--pwd's rule: an absolute path, normalized.</summary>
    /// <exception cref="HpcRunException">64 (usage) for a relative path.</exception>
    public static string Absolute(string source, string path) => path.StartsWith('/') ? PathText.Normalize(path)
        : throw new HpcRunException(ExitCode.Usage, $"{source} must be an absolute path, not '{path}'");

    private static T Spec<T>(string name, Func<T> parse)
    {
        try { return parse(); }
        catch (HpcRunException e) when (e.Code == ExitCode.Usage)
        {
            throw new HpcRunException(ExitCode.Usage, $"{name}: {e.Message}");
        }
    }
}
