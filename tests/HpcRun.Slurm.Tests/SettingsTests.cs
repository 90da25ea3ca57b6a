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
        File.WriteAllText(config,
            "# site settings\nurl = http://file:1\nuser = fromfile\napi_version = v0.0.38\ntimeout = 5\n");
        SlurmSettings fromFile = Load(new SlurmFlags(ConfigFile: config), ("SLURM_JWT", Token));
        Assert.Equal(("http://file:1/", "fromfile", "v0.0.38", 5.0),
            (fromFile.Url.ToString(), fromFile.User, fromFile.ApiVersion, fromFile.Timeout.TotalSeconds));
        SlurmSettings fromEnv = Load(new SlurmFlags(ConfigFile: config), ("SLURM_JWT", Token),
            ("SLURM_RESTD_URL", "http://env:2"), ("SLURM_RESTD_USER", "fromenv"));
        Assert.Equal(("http://env:2/", "fromenv"), (fromEnv.Url.ToString(), fromEnv.User));
        SlurmSettings fromFlags = Load(new SlurmFlags(Url: "http://flag:3", User: "fromflag", ConfigFile: config),
            ("SLURM_JWT", Token), ("SLURM_RESTD_URL", "http://env:2"));
        Assert.Equal(("http://flag:3/", "fromflag"), (fromFlags.Url.ToString(), fromFlags.User));
    }

    /// <summary>The URL's path ends with '/', so that the OpenAPI document (openapi/v3, relative) is asked for below
    /// it as the API's paths are: a path without one lost its last segment there (PathPrefixTests).</summary>
    [Theory]
    [InlineData("http://h:1", "http://h:1/")]
    [InlineData("http://h:1/prefix", "http://h:1/prefix/")]
    [InlineData("http://h:1/prefix/", "http://h:1/prefix/")]
    [InlineData("https://h/extra/path?x=1", "https://h/extra/path/")]
    [InlineData("http://h:1/a%20b", "http://h:1/a%20b/")]
    public void The_urls_path_ends_with_a_slash(string given, string url) =>
        Assert.Equal(url, Load(new SlurmFlags(Url: given), ("SLURM_JWT", Token)).Url.AbsoluteUri);

    [Fact]
    public void Token_comes_from_slurm_jwt_else_from_the_token_file()
    {
        string file = Path.Combine(dir, "token");
        File.WriteAllText(file, "SLURM_JWT=from-file\n"); // `scontrol token` output, kept as is
        Assert.Equal("from-file", Load(new SlurmFlags(Url: "http://h:1", TokenFile: file)).Token);
        Assert.Equal("from-env",
            Load(new SlurmFlags(Url: "http://h:1", TokenFile: file), ("SLURM_JWT", "from-env")).Token);
        var missing = Assert.Throws<SlurmApiException>(() => Load(new SlurmFlags(Url: "http://h:1")));
        Assert.Equal(SlurmFault.NotConfigured, missing.Fault);
        Assert.EndsWith($"{Path.Combine(dir, ".config", "hpcrun", "slurm.jwt")}: no such file", missing.Message);
    }

    /// <summary>A relative XDG_CONFIG_HOME is passed over, as the XDG Base Directory specification says: the files
    /// are under ~/.config, not wherever the command runs.</summary>
    [Fact]
    public void A_relative_xdg_config_home_is_passed_over()
    {
        var missing = Assert.Throws<SlurmApiException>(
            () => Load(new SlurmFlags(Url: "http://h:1"), ("XDG_CONFIG_HOME", "conf")));
        Assert.EndsWith($"{Path.Combine(dir, ".config", "hpcrun", "slurm.jwt")}: no such file", missing.Message);
    }

    [Theory]
    [InlineData("from-env\n")]
    [InlineData("  from-env\r\n")]
    [InlineData("\tfrom-env ")]
    public void The_token_is_used_as_it_is_sent_without_the_white_space_around_it(string value)
    {
        SlurmSettings settings = Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", value));
        Assert.Equal("from-env", settings.Token);
        Assert.Equal("said <token>.", settings.Redact("said from-env."));
    }

    [Fact]
    public void A_blank_slurm_jwt_counts_as_unset()
    {
        string file = Path.Combine(dir, "token");
        File.WriteAllText(file, "from-file\n");
        Assert.Equal("from-file", Load(new SlurmFlags(Url: "http://h:1", TokenFile: file), ("SLURM_JWT", "\n")).Token);
    }

    [Theory]
    [InlineData("abc\ndef")]
    [InlineData("abc def")]
    [InlineData("abc\u00e9")]
    public void A_token_no_header_can_carry_as_it_is_is_refused(string value)
    {
        var e = Assert.Throws<SlurmApiException>(() => Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", value)));
        Assert.Equal(SlurmFault.NotConfigured, e.Fault);
        Assert.DoesNotContain("abc", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e300")]
    [InlineData("86401")]
    [InlineData("soon")]
    public void A_timeout_outside_one_day_is_a_settings_error(string timeout)
    {
        var e = Assert.Throws<SlurmApiException>(() =>
            Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", Token), ("SLURM_RESTD_TIMEOUT", timeout)));
        Assert.Equal(SlurmFault.NotConfigured, e.Fault);
        Assert.Equal($"timeout '{timeout}' is not a number of seconds above 0 and at most 86400", e.Message);
    }

    [Fact]
    public void An_unreadable_settings_file_is_a_settings_error()
    {
        var e = Assert.Throws<SlurmApiException>(() =>
            Load(new SlurmFlags(Url: "http://h:1", ConfigFile: dir), ("SLURM_JWT", Token)));
        Assert.Equal($"config file {dir}: is a directory", e.Message);
    }

    [Fact]
    public void Redaction_finds_the_token_in_every_form_a_server_may_echo()
    {
        const string token = "ab+c/d=e\"f";
        SlurmSettings settings = Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", token));
        string[] forms =
        [
            token,                                 // as is
            "ab%2Bc%2Fd%3De%22f",                  // percent-encoded
            "ab%2bc%2fd%3de%22f",                  // percent-encoded, lower-case hex
            @"ab\u002Bc/d\u003De\u0022f",          // System.Text.Json's default escaping
            @"ab+c\/d=e\""f",                     // json-c's: \/ and \"
            "ab&#43;c&#x2F;d&#61;e&#34;f",         // HTML character references
            @"ab+c%5C/d=e%5C""f",                  // escapes whose backslash is percent-encoded
        ];
        foreach (string form in forms) Assert.Equal("[<token>]", settings.Redact($"[{form}]"));
        Assert.Equal("[ab+c/d=e]", settings.Redact("[ab+c/d=e]")); // a prefix is not the token
    }

    /// <summary>A short token, or one that is a common word, is hidden where it stands as a whole, in any form,
    /// and nowhere inside another word: "submitted" stays whole with a token "mit" (or "a", "ab", "abc").</summary>
    [Theory]
    [InlineData("a", "a job: a", "<token> job: <token>")]
    [InlineData("a", "submitted as planned", "submitted as planned")]
    [InlineData("ab", "about ab, tab \"ab\"", "about <token>, tab \"<token>\"")]
    [InlineData("abc", "abcd xabc abc. t=abc&u=%61bc (abc)", "abcd xabc <token>. t=<token>&u=<token> (<token>)")]
    [InlineData("abc", "t%3Dabc \\u0022abc\\u0022 &#34;abc&#34;",
        "t%3D<token> \\u0022<token>\\u0022 &#34;<token>&#34;")]
    [InlineData("mit", "submitted, mit", "submitted, <token>")]
    [InlineData("job", "could not cancel job 5: jobs", "could not cancel <token> 5: jobs")]
    [InlineData("-x-", "a-x-b", "a<token>b")] // punctuation at its ends: no word to stay inside
    public void A_short_token_is_hidden_only_as_a_whole(string token, string text, string shown)
    {
        SlurmSettings settings = Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", token));
        Assert.Equal(shown, settings.Redact(text));
    }

    /// <summary>A token of <see cref="TokenForms.Unmistakable"/> characters or more is hidden wherever it is, even
    /// glued to a word: no other text is that long by chance.</summary>
    [Fact]
    public void A_long_token_is_hidden_even_inside_a_word()
    {
        string token = new('k', TokenForms.Unmistakable);
        SlurmSettings settings = Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", token));
        Assert.Equal("Bearer<token>x", settings.Redact($"Bearer{token}x"));
        SlurmSettings shorter = Load(new SlurmFlags(Url: "http://h:1"), ("SLURM_JWT", token[1..]));
        Assert.Equal($"Bearer{token}x", shorter.Redact($"Bearer{token}x"));
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
