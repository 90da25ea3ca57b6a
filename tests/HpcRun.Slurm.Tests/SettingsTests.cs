namespace HpcRun.Slurm.Tests;

public sealed class SettingsTests : IDisposable
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.secret-part.signature";
    private readonly string dir = Directory.CreateTempSubdirectory("hpcrun-slurm-settings").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    private SlurmSettings Load(SlurmFlags flags, params (string, string)[] env) =>
        SlurmSettingsLoader.Load(flags, env.ToDictionary(e => e.Item1, e => e.Item2), dir, "me");

    [Fact]
    public void Flags_win_over_environment_which_wins_over_the_config_file()
    {
        string config = Path.Combine(dir, "slurm.conf");
        File.WriteAllText(config, "# site settings\nurl = http://file:1\nuser = fromfile\napi_version = v0.0.38\ntimeout = 5\n");
        SlurmSettings fromFile = Load(new SlurmFlags(ConfigFile: config), ("SLURM_JWT", Token));
        Assert.Equal(("http://file:1/", "fromfile", "v0.0.38", 5.0), (fromFile.Url.ToString(), fromFile.User, fromFile.ApiVersion, fromFile.Timeout.TotalSeconds));
        SlurmSettings fromEnv = Load(new SlurmFlags(ConfigFile: config), ("SLURM_JWT", Token), ("SLURM_RESTD_URL", "http://env:2"), ("SLURM_RESTD_USER", "fromenv"));
        Assert.Equal(("http://env:2/", "fromenv"), (fromEnv.Url.ToString(), fromEnv.User));
        SlurmSettings fromFlags = Load(new SlurmFlags(Url: "http://flag:3", User: "fromflag", ConfigFile: config), ("SLURM_JWT", Token), ("SLURM_RESTD_URL", "http://env:2"));
        Assert.Equal(("http://flag:3/", "fromflag"), (fromFlags.Url.ToString(), fromFlags.User));
    }

    [Fact]
    public void Token_comes_from_slurm_jwt_else_from_the_token_file()
    {
        string file = Path.Combine(dir, "token");
        File.WriteAllText(file, "SLURM_JWT=from-file\n"); // `scontrol token` output, kept as is
        Assert.Equal("from-file", Load(new SlurmFlags(Url: "http://h:1", TokenFile: file)).Token);
        Assert.Equal("from-env", Load(new SlurmFlags(Url: "http://h:1", TokenFile: file), ("SLURM_JWT", "from-env")).Token);
        var missing = Assert.Throws<SlurmApiException>(() => Load(new SlurmFlags(Url: "http://h:1")));
        Assert.Equal(SlurmFault.NotConfigured, missing.Fault);
        Assert.Contains("no slurmrestd token", missing.Message);
    }

    [Fact]
    public void Missing_url_says_where_to_set_it()
    {
        var e = Assert.Throws<SlurmApiException>(() => Load(new SlurmFlags(), ("SLURM_JWT", Token)));
        Assert.Contains("SLURM_RESTD_URL", e.Message);
    }

    [Fact]
    public void Settings_never_show_the_token()
    {
        SlurmSettings settings = Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", Token));
        Assert.DoesNotContain(Token, settings.ToString());
        Assert.DoesNotContain("secret-part", settings.ToString());
        Assert.Equal("header <token> end", settings.Redact($"header {Token} end"));
    }
}
