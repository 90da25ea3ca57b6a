namespace HpcRun.Launch.Parts;

/// <summary>
/// The job's environment, lowest precedence first (README, "Environment"):
/// the host's (minus <see cref="NotInherited"/>; only <see cref="KeptByCleanEnv"/> with
/// --cleanenv), the image's, a standard PATH if still unset, HPCRUN_ENV_K=V from the host,
/// --env-file files, then --env. HOME, USER and LOGNAME are set when nothing else did.
/// </summary>
public sealed class EnvironmentPart : ILaunchPart
{
    /// <summary>The search path when none is set: Docker's default PATH (containerd's oci.DefaultPathEnv), the
    /// one definition the job's environment, the spawn of its command and the doctor's search use.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const string InsidePrefix = "HPCRUN_ENV_";

    /// <summary>Host variables that would break or mislead the image: host library paths and
    /// preloads point at host files, PATH is the image's; HPCRUN_* configure hpcrun itself.</summary>
    public static readonly string[] NotInherited = ["PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT"];
    public static readonly string[] KeptByCleanEnv = ["HOME", "USER", "LOGNAME", "TERM", "LANG"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        LaunchRequest request = context.Request;
        foreach (var (name, value) in context.Host.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
            if (Inherits(name, request.CleanEnv)) plan.SetEnv(name, value);
        foreach (var (name, value) in context.Config.EnvPairs()) plan.SetEnv(name, value);
        if (plan.GetEnv("PATH") is null) plan.SetEnv("PATH", DefaultPath);
        foreach (var (name, value) in Identity(context.Host))
            if (plan.GetEnv(name) is not { Length: > 0 }) plan.SetEnv(name, value);
        foreach (var (name, value) in context.Host.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
            if (name.StartsWith(InsidePrefix, StringComparison.Ordinal) && name.Length > InsidePrefix.Length)
                plan.SetEnv(name[InsidePrefix.Length..], value);
        foreach (string file in request.EnvFiles)
            foreach (var (name, value) in ParseEnvFile(file, context.Host.EnvFileContents[file]))
                plan.SetEnv(name, value);
        foreach (string assignment in request.EnvAssignments)
        {
            var (name, value) = ParseAssignment(assignment)
                ?? throw new HpcRunException(ExitCode.Usage, $"bad --env '{assignment}': expected NAME=VALUE");
            plan.SetEnv(name, value);
        }
        plan.SetEnv("HPCRUN_CONTAINER", context.Image.Name);
    }

    /// <summary>What a login sets and programs expect, for callers that set none (env -i, srun
    /// --export=NONE): the home hpcrun binds and the user's name as the host's NSS gives them.</summary>
    private static IEnumerable<(string Name, string Value)> Identity(HostFacts host)
    {
        string user = host.PasswdLine.Split(':')[0];
        return [("HOME", host.Home), ("USER", user), ("LOGNAME", user)];
    }

    private static bool Inherits(string name, bool cleanEnv) =>
        cleanEnv ? KeptByCleanEnv.Contains(name)
                 : !NotInherited.Contains(name) && !name.StartsWith("HPCRUN_", StringComparison.Ordinal);

    /// <summary>NAME=VALUE lines; blank lines, # comments and a leading "export " are allowed;
    /// a value in matching single or double quotes loses them.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ParseEnvFile(string path, string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var pair = ParseAssignment(line)
                ?? throw new HpcRunException(ExitCode.BadEnvironmentFile,
                    $"{path}:{i + 1}: expected NAME=VALUE, got '{line}'");
            string value = pair.Value;
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
                value = value[1..^1];
            yield return KeyValuePair.Create(pair.Key, value);
        }
    }

    private static KeyValuePair<string, string>? ParseAssignment(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) return null;
        string name = text[..eq];
        bool valid = (char.IsAsciiLetter(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        return valid ? KeyValuePair.Create(name, text[(eq + 1)..]) : null;
    }
}
