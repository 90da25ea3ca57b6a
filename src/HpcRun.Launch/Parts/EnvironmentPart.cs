using HpcRun.Image.Metadata;

namespace HpcRun.Launch.Parts;

/// <summary>
/// The job's environment, lowest precedence first (README, "Environment"; Apptainer's
/// environment_and_metadata.html): the host's (minus <see cref="NotInherited"/>; only <see cref="AlwaysPassed"/>
/// with --cleanenv, which sets LANG=C), the prompt, the image's config Env (but its HOME), a standard PATH if still
/// unset, HOME, USER and LOGNAME when nothing set them (HOME alone with --cleanenv), HOME where -H or --fakeroot
/// moves the home (<see cref="HomePart.HomeVariable"/>), the container's own variables; then the
/// image's /.singularity.d/env scripts (<see cref="ImageEnvironment"/>, evaluated
/// by the image's shell); then the user's values: SINGULARITYENV_K, APPTAINERENV_K, HPCRUN_ENV_K from the host,
/// --env-file files, --env (<see cref="EnvTemplate"/>: $VAR expands against the container's environment), and
/// PREPEND_PATH / APPEND_PATH among them. HOME is not among them: the home part decides it, as it decides the home's
/// bind, passwd entry and the contained job's working directory, so a HOME of the user's would point where no home
/// is; Apptainer's SetContainerEnv, which every --env and --env-file value reaches as APPTAINERENV_K, also skips it
/// ("not permitted"). Each source of one gets a warning (<see cref="HomeIgnored"/>).
/// </summary>
public sealed class EnvironmentPart : ILaunchPart
{
    /// <summary>The search path when none is set: Docker's default PATH (containerd's oci.DefaultPathEnv), the
    /// one definition the job's environment, the spawn of its command and the doctor's search use.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const string InsidePrefix = "HPCRUN_ENV_";
    /// <summary>The shell prompt inside, as Apptainer's "Apptainer> " (its 99-base.sh keeps a PS1 already set).
    /// </summary>
    public const string Prompt = "hpcrun> ";

    /// <summary>Host prefixes whose variables set the rest of their name inside, lowest precedence first
    /// (Apptainer's APPTAINERENV_ wins over its legacy SINGULARITYENV_; hpcrun's own over both).</summary>
    public static readonly string[] OverridePrefixes = ["SINGULARITYENV_", "APPTAINERENV_", InsidePrefix];

    /// <summary>Host variables that would break or mislead the image: host library paths and
    /// preloads point at host files, PATH is the image's; <see cref="SettingPrefixes"/> configure hpcrun (and
    /// Apptainer, which passes neither its own nor the ones it consumed in either).</summary>
    public static readonly string[] NotInherited = ["PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT"];
    public static readonly string[] SettingPrefixes =
        ["HPCRUN_", "APPTAINER_", "SINGULARITY_", "APPTAINERENV_", "SINGULARITYENV_"];
    /// <summary>Host variables that pass in also with --cleanenv: Apptainer's alwaysPassKeys
    /// (internal/pkg/util/env/create.go), so a contained job still reaches the network through a site's proxy.
    /// </summary>
    public static readonly string[] AlwaysPassed = ["TERM", "http_proxy", "HTTP_PROXY", "https_proxy",
        "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "ftp_proxy", "FTP_PROXY"];
    /// <summary>What --cleanenv sets LANG to, whatever the host's, as Apptainer's SetContainerEnv; the image's
    /// config or scripts and the user's values may set another.</summary>
    private const string CleanLanguage = "C";

    /// <summary>Set inside but hidden from the image's scripts, as Apptainer's action script unsets them there
    /// (clear_env) and puts them back after (restore_env) unless a script set them.</summary>
    private static readonly string[] HiddenFromScripts = ["APPTAINER_BIND", "SINGULARITY_BIND", "APPTAINER_COMMAND"];

    /// <summary>Host variables the image's scripts see as they are (Apptainer's action script keeps them too, a
    /// shell will not unset them, or <see cref="ImageEnvironment.Wrap"/> sets them itself).</summary>
    private static readonly string[] VisibleToScripts =
        ["HOME", "PWD", "IFS", "OPTIND", "PPID", "UID", "EUID", "SHLVL"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        LaunchRequest request = context.Request;
        var fromHost = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in context.Host.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
            if (Inherits(name, request.CleanEnv)) { plan.SetEnv(name, value); fromHost.Add(name); }
        void Set(string name, string value) { plan.SetEnv(name, value); fromHost.Remove(name); }
        if (request.CleanEnv) Set("LANG", CleanLanguage);
        Set("PS1", Prompt);
        // Not the config's HOME (Docker's `ENV HOME=/root`): HOME is the home's path, where the home part binds it.
        // Apptainer writes the config's Env as `export HOME="${HOME:-/root}"`, which the HOME it sets always wins.
        foreach (var (name, value) in context.Config.EnvPairs())
            if (name != "HOME") Set(name, value);
        if (plan.GetEnv("PATH") is null) Set("PATH", DefaultPath);
        foreach (var (name, value) in Identity(context.Host, request.CleanEnv))
            if (plan.GetEnv(name) is not { Length: > 0 }) Set(name, value);
        // Before the user's values, so that their $HOME is the HOME the job gets.
        if (HomePart.HomeVariable(request, context.Host) is { } home) Set("HOME", home);
        foreach (var (name, value) in ContainerVariables(context)) Set(name, value);

        IReadOnlyList<(string Name, EnvTemplate Value)> overrides = Overrides(context, plan);
        IReadOnlyList<string> scripts =
            ImageEnvironment.ScriptsAmong(context.Tree.List(ImageEnvironment.Directory) ?? []);
        if (scripts.Count > 0 && context.Tree.Has(ImageEnvironment.Shell))
        {
            plan.ImageEnvironment = new ImageEnvironment(scripts,
                [.. fromHost.Where(n => EnvTemplate.IsShellName(n) && !VisibleToScripts.Contains(n))
                    .Order(StringComparer.Ordinal), .. HiddenFromScripts], overrides);
            return;
        }
        if (scripts.Count > 0)
        {
            var texts = scripts.ToDictionary(script => script,
                script => context.Tree.ReadText($"{ImageEnvironment.Directory}/{script}") ?? "");
            // 99-base.sh only adds /.singularity.d/libs to LD_LIBRARY_PATH, which hpcrun sets itself, and a prompt.
            if (texts.Any(t => t.Key != ImageEnvironment.InjectAfter && EnvironmentScript.LeavesOut(t.Value)))
                plan.Warn($"the image has {ImageEnvironment.Directory} scripts but no {ImageEnvironment.Shell} to " +
                          "run them: only their plain `export NAME=value` lines apply");
            foreach (string script in scripts)
                foreach (string export in EnvironmentScript.Exports(texts[script]))
                    plan.SetEnv(export[..export.IndexOf('=')], export[(export.IndexOf('=') + 1)..]);
        }
        foreach (var (name, value) in overrides) plan.SetEnv(name, value.Expand(plan.GetEnv));
    }

    /// <summary>What Apptainer sets inside: the image's absolute path (as typed, made absolute against the
    /// current directory, symlinks not resolved: its canonical path only when the current directory is gone) and its
    /// file name; HPCRUN_CONTAINER is hpcrun's name for the path. Then the user's binds' destinations, comma-separated
    /// (empty: none), -B and its variables' before --mount's and APPTAINER_MOUNT's, as Apptainer's setBinds lists them
    /// for nested launches (the site's binds are not among them); and the action, as Apptainer's runActionScript
    /// sets APPTAINER_COMMAND (no SINGULARITY_ form): exec, run (also a bare `hpcrun IMAGE`), shell or test.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> ContainerVariables(LaunchContext context)
    {
        string typed = context.Image.AsTyped ?? context.Image.Name;
        string path = typed.StartsWith('/') ? PathText.Normalize(typed)
            : context.Host.Cwd is null ? context.Image.Name : PathText.Normalize($"{context.Host.Cwd}/{typed}");
        string file = path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed[(trimmed.LastIndexOf('/') + 1)..] : path;
        LaunchRequest request = context.Request;
        string binds = string.Join(',',
            request.Binds.Where(b => !b.FromMount).Concat(request.Binds.Where(b => b.FromMount)).Select(b => b.Target));
        string command = request.Test ? "test" : request.Shell ? "shell" : request.Command.Count > 0 ? "exec" : "run";
        return [new("HPCRUN_CONTAINER", path), new("APPTAINER_CONTAINER", path), new("SINGULARITY_CONTAINER", path),
            new("APPTAINER_NAME", file), new("SINGULARITY_NAME", file), new("APPTAINER_BIND", binds),
            new("SINGULARITY_BIND", binds), new("APPTAINER_COMMAND", command)];
    }

    /// <summary>What a user's HOME gets: a warning naming where it came from (APPTAINERENV_HOME, --env-file F,
    /// --env), and no effect.</summary>
    public static string HomeIgnored(string origin) =>
        $"{origin} sets HOME: ignored, as Apptainer ignores it; HOME is the home's path inside, which " +
        "--home SRC[:DST] chooses";

    /// <summary>The user's values in the order they apply, PATH's prepend and append last (Apptainer's
    /// 99-runtimevars.sh: a PATH given outright wins over both); HOME left out, with a warning for each source that
    /// gave one.</summary>
    private static IReadOnlyList<(string Name, EnvTemplate Value)> Overrides(LaunchContext context, PlanBuilder plan)
    {
        var values = new List<(string Name, EnvTemplate Value)>();
        void Add(string origin, IEnumerable<(string Name, EnvTemplate Value)> given)
        {
            bool home = false;
            foreach (var value in given)
                if (value.Name == "HOME") home = true;
                else values.Add(value);
            if (home) plan.Warn(HomeIgnored(origin));
        }
        foreach (string prefix in OverridePrefixes)
            foreach (var (name, value) in context.Host.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
                if (name.StartsWith(prefix, StringComparison.Ordinal) && EnvTemplate.IsShellName(name[prefix.Length..]))
                    Add(name, [(name[prefix.Length..], EnvTemplate.Parse(value))]);
        string filesOrigin = context.Request.EnvFilesOrigin; // --env-file, or the variable that gave the file
        foreach (string file in context.Request.EnvFiles)
            Add(filesOrigin.StartsWith('-') ? $"{filesOrigin} {file}" : $"{filesOrigin}={file}",
                EnvFileSyntax.Parse(file, context.Host.EnvFileContents[file]));
        foreach (string option in context.Request.EnvAssignments)
            Add("--env", EnvOption.Parse(option).Select(p => (p.Key, EnvTemplate.Parse(p.Value))));

        EnvTemplate? prepend = Take(values, "PREPEND_PATH"), append = Take(values, "APPEND_PATH");
        if (values.Any(v => v.Name == "PATH")) return values;
        EnvTemplate separator = EnvTemplate.Literal(":"), path = EnvTemplate.Variable("PATH");
        if (prepend is not null) values.Add(("PATH", EnvTemplate.Concat(prepend, separator, path)));
        if (append is not null) values.Add(("PATH", EnvTemplate.Concat(path, separator, append)));
        return values;
    }

    /// <summary>Removes <paramref name="name"/>'s values from <paramref name="values"/>; returns the last.</summary>
    private static EnvTemplate? Take(List<(string Name, EnvTemplate Value)> values, string name)
    {
        EnvTemplate? last = values.LastOrDefault(v => v.Name == name).Value;
        values.RemoveAll(v => v.Name == name);
        return last;
    }

    /// <summary>What a login sets and programs expect, for callers that set none (env -i, srun
    /// --export=NONE): the home hpcrun binds and the user's name as the host's NSS gives them. With --cleanenv only
    /// HOME, as Apptainer's SetContainerEnv sets no USER or LOGNAME.</summary>
    private static IEnumerable<KeyValuePair<string, string>> Identity(HostFacts host, bool cleanEnv)
    {
        if (cleanEnv) return [new("HOME", host.Home)];
        string user = host.PasswdLine.Split(':')[0];
        return [new("HOME", host.Home), new("USER", user), new("LOGNAME", user)];
    }

    private static bool Inherits(string name, bool cleanEnv) =>
        AlwaysPassed.Contains(name)
        || !cleanEnv && !NotInherited.Contains(name)
           && !SettingPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
}
