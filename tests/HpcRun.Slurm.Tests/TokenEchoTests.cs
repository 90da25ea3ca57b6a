using System.Text.Json;
using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// The token is sent trimmed, and hidden in every form a server may echo it in (issue 12, item 12:
/// a SLURM_JWT with a trailing newline was echoed back and shown, since redaction looked for the
/// newline too). The token holds characters that each encoding writes differently.
/// </summary>
public class TokenEchoTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0+/=.SIGNATURE-part_x";

    /// <summary>The forms a server might echo: as is, percent-encoded (either case), JSON-escaped by
    /// System.Text.Json (\u002B) and by json-c (\/), an HTML character reference for each character.</summary>
    private static string[] Forms(string token) =>
    [
        token,
        Uri.EscapeDataString(token),
        Uri.EscapeDataString(token).Replace("%2B", "%2b").Replace("%2F", "%2f"),
        JsonEncodedText.Encode(token).ToString(),
        token.Replace("/", "\\/"),
        string.Concat(token.Select(c => $"&#{(int)c};")),
    ];

    /// <summary>`hpcrun jobs --debug` against a server whose answer is <paramref name="body"/>(its token).</summary>
    private static CommandResult JobsEchoing(Func<string, string> body, int status, string jwt,
        out CannedHttpServer.Request received)
    {
        var answer = new CannedHttpServer.Answer(status, "") { Echo = r => body(r.Header("X-SLURM-USER-TOKEN")!) };
        using var server = new CannedHttpServer(answer);
        CommandResult run = Run("jobs", server.Url, ["--debug"], With("SLURM_JWT", jwt));
        received = server.Received.Single();
        return run;
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData(" \t")]
    public void The_token_is_sent_trimmed_and_never_shown_in_any_form(string around)
    {
        static string Echo(string token) => "echo: " + string.Join(" | ", Forms(token));
        CommandResult run = JobsEchoing(Echo, 400, around + Token + around, out var received);
        Assert.Equal(95, run.ExitCode);
        Assert.Contains($"\r\nX-SLURM-USER-TOKEN: {Token}\r\n", received.Head + "\r\n"); // nothing else on its line
        string shown = run.Stdout + run.Stderr;
        Assert.Contains("echo: <token> | <token> | <token> | <token> | <token> | <token>", shown);
        Assert.DoesNotContain("SIGNATURE", shown);
        Assert.DoesNotContain("c2VjcmV0", shown);
    }

    [Fact]
    public void A_token_echoed_in_slurms_error_list_is_hidden()
    {
        static string Errors(string token) =>
            $$"""{"errors": [{"error": "token {{JsonEncodedText.Encode(token)}} rejected", "error_number": 1}]}""";
        CommandResult run = JobsEchoing(Errors, 500, Token + "\n", out _);
        Assert.Equal(94, run.ExitCode);
        Assert.Contains("could not list jobs: token <token> rejected", run.Stderr);
        Assert.DoesNotContain("SIGNATURE", run.Stdout + run.Stderr);
    }

    /// <summary>A short token that is a word of hpcrun's own line ("list") is hidden in what the server said, and
    /// hpcrun's words stay whole; a token "a" garbles no word that holds an a.</summary>
    [Theory]
    [InlineData("list", "could not list jobs: token <token> is bad; a listing of <token>")]
    [InlineData("a", "could not list jobs: token <token> is bad; <token> listing of <token>")]
    public void A_short_token_is_hidden_in_what_the_server_said_only(string token, string line)
    {
        var answer = new CannedHttpServer.Answer(500, "")
        {
            Echo = r => r.Header("X-SLURM-USER-TOKEN") is var t
                ? $$"""{"errors": [{"error": "token {{t}} is bad; a listing of {{t}}", "error_number": 1}]}""" : "",
        };
        using var server = new CannedHttpServer(answer);
        AssertFault(Run("jobs", server.Url, [], With("SLURM_JWT", token)), 94, $"hpcrun: {line}");
    }

    /// <summary>What Slurm said of a job it queued anyway is a warning, and the token is hidden there too.</summary>
    [Fact]
    public void A_token_echoed_in_a_submit_warning_is_hidden()
    {
        var answer = new CannedHttpServer.Answer(500, "")
        {
            Echo = r => $$$"""
                {"meta":{"plugin":{"type":"openapi\/v0.0.38"}},"job_id":7,
                 "errors":[{"error_code":2015,"error":"not now for {{{r.Header("X-SLURM-USER-TOKEN")}}}"}]}
                """,
        };
        using var server = new CannedHttpServer(answer);
        CommandResult run = Run("submit", server.Url, [TestImages.BusyboxSquashFs, "--", "true"],
            With("SLURM_JWT", Token));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hpcrun: warning: Slurm queued job 7 but said: not now for <token>\n", run.Stderr);
    }

    [Fact]
    public void A_token_with_a_line_break_inside_is_refused_before_any_request()
    {
        using var server = new CannedHttpServer(200, """{"jobs":[]}""");
        CommandResult run = Run("jobs", server.Url, [], With("SLURM_JWT", "abc\nX-Injected: 1"));
        AssertFault(run, 90, "hpcrun: the token in SLURM_JWT holds a space, a line break or a character outside");
        Assert.Equal(0, server.Requests);
    }
}
