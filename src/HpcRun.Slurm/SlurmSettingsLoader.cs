using System.Globalization;

namespace HpcRun.Slurm;

/// <summary>Values given on the command line; null where the flag was not used.</summary>
public sealed record SlurmFlags(string? Url = null, string? User = null, string? TokenFile = null,
    string? ApiVersion = null,
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
    /// <summary>The longest timeout accepted: one day.</summary>
    public const int MaxTimeoutSeconds = 86400;

    public static SlurmSettings Load(SlurmFlags flags, IReadOnlyDictionary<string, string> environment, string home,
        string currentUser)
    {
        string? Env(string name) => environment.TryGetValue(name, out string? v) && v.Length > 0 ? v : null;
        // A relative XDG_CONFIG_HOME is passed over, as the XDG Base Directory specification says.
        string configDir = Env("XDG_CONFIG_HOME") is { } xdg && xdg.StartsWith('/') ? xdg
            : Path.Combine(home, ".config");
        string configFile = flags.ConfigFile ?? Env(ConfigVariable) ?? Path.Combine(configDir, "hpcrun", "slurm.conf");
        var config = ReadConfig(configFile, required: flags.ConfigFile is not null || Env(ConfigVariable) is not null);

        string url = flags.Url ?? Env(UrlVariable) ?? config.GetValueOrDefault("url")
            ?? throw NotConfigured($"no slurmrestd URL: use --url, {UrlVariable} or 'url =' in {configFile}");
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            throw NotConfigured($"slurmrestd URL '{url}' is not an http(s) URL");

        string timeoutText = flags.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture) ?? Env(TimeoutVariable)
            ?? config.GetValueOrDefault("timeout") ?? "30";
        // Bounded: TimeSpan and the request's deadline timer take no NaN, no infinity and nothing past 49 days.
        if (!double.TryParse(timeoutText, CultureInfo.InvariantCulture, out double timeout)
            || timeout is not (> 0 and <= MaxTimeoutSeconds))
            throw NotConfigured($"timeout '{timeoutText}' is not a number of seconds above 0 and at most " +
                MaxTimeoutSeconds);

        string token = Env(TokenVariable)?.Trim() is { Length: > 0 } fromEnv ? Checked(fromEnv, TokenVariable)
            : ReadToken(flags.TokenFile ?? Env(TokenFileVariable) ?? config.GetValueOrDefault("token_file")
                ?? Path.Combine(configDir, "hpcrun", "slurm.jwt"));
        string user = flags.User ?? Env(UserVariable) ?? config.GetValueOrDefault("user") ?? currentUser;
        return new SlurmSettings(
            uri,
            user.Trim(), // a header value: no newline
            token,
            flags.ApiVersion ?? Env(VersionVariable) ?? config.GetValueOrDefault("api_version")
                ?? SlurmSettings.AutoVersion,
            TimeSpan.FromSeconds(timeout));
    }

    /// <summary>The token (already trimmed), if one header value can carry it as it is: a JWT is printable
    /// ASCII without spaces, and a line break inside would end the header.</summary>
    private static string Checked(string token, string source) =>
        token.All(c => c is > ' ' and < (char)0x7F) ? token
            : throw NotConfigured($"the token in {source} holds a space, a line break or a character outside " +
                "printable ASCII; a JWT has none");

    private static Dictionary<string, string> ReadConfig(string path, bool required)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path) && !Directory.Exists(path))
            return required ? throw NotConfigured($"config file {path} not found") : values;
        string text = ReadableFile.TryReadText(path, out string problem)
            ?? throw NotConfigured($"config file {path}: {problem}");
        foreach (string raw in text.Split('\n'))
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
        string token = ReadableFile.TryReadText(path, out string problem)?.Trim()
            ?? throw NotConfigured($"no slurmrestd token: set {TokenVariable} or a token file (--token-file, " +
                $"{TokenFileVariable}); {path}: {problem}");
        if (token.StartsWith(TokenVariable + "=", StringComparison.Ordinal)) // `scontrol token` output as is
            token = token[(TokenVariable.Length + 1)..].Trim();
        return token.Length > 0 ? Checked(token, path) : throw NotConfigured($"token file {path} is empty");
    }

    private static SlurmApiException NotConfigured(string message) => new(SlurmFault.NotConfigured, message);
}
