using System.Collections;
using System.CommandLine;
using HpcRun.CommandLine;
using HpcRun.Slurm;

namespace HpcRun.Tools.Verbs.Slurm;

/// <summary>The options that say where slurmrestd is and who we are; each falls back to the
/// environment, then the config file.</summary>
internal sealed class SlurmConnectionOptions
{
    private readonly Option<string?> url = new("--url")
    { Description = $"slurmrestd URL (default ${SlurmSettingsLoader.UrlVariable})" };
    private readonly Option<string?> user = new("--user")
    { Description = $"Slurm user name (default ${SlurmSettingsLoader.UserVariable}, else you)" };
    private readonly Option<string?> tokenFile = new("--token-file")
    {
        Description = $"File holding the JWT (default ${SlurmSettingsLoader.TokenFileVariable}, "
            + $"~/.config/hpcrun/slurm.jwt; ${SlurmSettingsLoader.TokenVariable} wins)",
    };
    private readonly Option<string?> apiVersion = new("--api-version")
    { Description = "slurmrestd API version, e.g. v0.0.38 (default: ask the server)" };
    private readonly Option<double?> timeout = new("--timeout")
    { Description = "Seconds one request may take, connecting, retries and the whole answer included (default 30)" };
    private readonly Option<string?> config = new("--config")
    { Description = $"Settings file (default ${SlurmSettingsLoader.ConfigVariable}, ~/.config/hpcrun/slurm.conf)" };

    public SlurmConnectionOptions(Command command)
    {
        foreach (Option option in new Option[] { url, user, tokenFile, apiVersion, timeout, config })
            command.Options.Add(option);
    }

    public SlurmSettings Settings(ParseResult result)
    {
        var flags = new SlurmFlags(result.GetValue(url), result.GetValue(user), result.GetValue(tokenFile),
            result.GetValue(apiVersion), Timeout(result), result.GetValue(config));
        return SlurmSettingsLoader.Load(flags, CurrentEnvironment(),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Environment.UserName);
    }

    /// <summary>Refuses the bad values of these options (64) before anything else is read or checked (submit's image
    /// and files).</summary>
    public void Check(ParseResult result) => Timeout(result);

    /// <summary>--timeout, checked: a bad one is the command line's (64), as SLURM_RESTD_TIMEOUT's and the settings
    /// file's are the settings' (90).</summary>
    private double? Timeout(ParseResult result) => result.GetValue(timeout) is { } given
        ? AmountOptions.Seconds("--timeout", given, SlurmSettingsLoader.MaxTimeoutSeconds) : null;

    public static Dictionary<string, string> CurrentEnvironment()
    {
        var environment = new Dictionary<string, string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            environment[(string)e.Key] = (string?)e.Value ?? "";
        return environment;
    }
}
