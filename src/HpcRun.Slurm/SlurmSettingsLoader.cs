using System.Globalization;

namespace HpcRun.Slurm;

/// <summary>Values given on the command line; null where the flag was not used.</summary>
public sealed record SlurmFlags(string? Url = null, string? User = null, string? TokenFile = null, string? ApiVersion = null,
    double? TimeoutSeconds = null, string? ConfigFile = null);

/// <summary>
/// Builds <see cref="SlurmSettings"/> from, first to last: flags, environment variables, the
/// config file (KEY = VALUE lines, # comments). The token comes from SLURM_JWT, else from a
/// token file (flag, SLURM_RESTD_TOKEN_FILE, config token_file, ~/.config/hpcrun/slurm.jwt).
/// </summary>
public static class SlurmSettingsLoader
{
    public const string UrlVariable = "SLURM_RESTD_URL";
    public const string UserVariable = "SLURM_RESTD_USER";
    public const string TokenVariable = "SLURM_JWT";
    public const string TokenFileVariable = "SLURM_RESTD_TOKEN_FILE";
    public const string VersionVariable = "SLURM_RESTD_API_VERSION";
    public const string TimeoutVariable = "SLURM_RESTD_TIMEOUT";
    public const string ConfigVariable = "HPCRUN_SLURM_CONFIG";

    public static SlurmSettings Load(SlurmFlags flags, IReadOnlyDictionary<string, string> environment, string home, string currentUser)
    {
        string? Env(string name) => environment.TryGetValue(name, out string? v) && v.Length > 0 ? v : null;
        string configDir = Env("XDG_CONFIG_HOME") ?? Path.Combine(home, ".config");
        string configFile = flags.ConfigFile ?? Env(ConfigVariable) ?? Path.Combine(configDir, "hpcrun", "slurm.conf");
        var config = ReadConfig(configFile, required: flags.ConfigFile is not null || Env(ConfigVariable) is not null);

        string url = flags.Url ?? Env(UrlVariable) ?? config.GetValueOrDefault("url")
            ?? throw NotConfigured($"no slurmrestd URL: use --url, {UrlVariable} or 'url =' in {configFile}");
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            throw NotConfigured($"slurmrestd URL '{url}' is not an http(s) URL");

        string timeoutText = flags.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture) ?? Env(TimeoutVariable) ?? config.GetValueOrDefault("timeout") ?? "30";
        if (!double.TryParse(timeoutText, CultureInfo.InvariantCulture, out double timeout) || timeout <= 0)
            throw NotConfigured($"timeout '{timeoutText}' is not a positive number of seconds");

        return new SlurmSettings(
            uri,
            flags.User ?? Env(UserVariable) ?? config.GetValueOrDefault("user") ?? currentUser,
            Env(TokenVariable) ?? ReadToken(flags.TokenFile ?? Env(TokenFileVariable) ?? config.GetValueOrDefault("token_file")
                ?? Path.Combine(configDir, "hpcrun", "slurm.jwt")),
            flags.ApiVersion ?? Env(VersionVariable) ?? config.GetValueOrDefault("api_version") ?? SlurmSettings.AutoVersion,
            TimeSpan.FromSeconds(timeout));
    }

    private static Dictionary<string, string> ReadConfig(string path, bool required)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path))
            return required ? throw NotConfigured($"config file {path} not found") : values;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) throw NotConfigured($"{path}: expected KEY = VALUE, not '{line}'");
            values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return values;
    }

    private static string ReadToken(string path)
    {
        try
        {
            string token = File.ReadAllText(path).Trim();
            if (token.StartsWith(TokenVariable + "=", StringComparison.Ordinal)) token = token[(TokenVariable.Length + 1)..]; // `scontrol token` output as is
            return token.Length > 0 ? token : throw NotConfigured($"token file {path} is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotConfigured($"no slurmrestd token: set {TokenVariable} or a token file (--token-file, {TokenFileVariable}); {path}: {e.Message}");
        }
    }

    private static SlurmApiException NotConfigured(string message) => new(SlurmFault.NotConfigured, message);
}
