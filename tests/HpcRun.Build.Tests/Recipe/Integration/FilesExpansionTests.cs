using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>What Apptainer 1.5's CopyFromHost does with a %files line beyond matching wildcards: a source alone copies
/// each match to its own path; braces and the build's environment variables expand in the source (not in the
/// destination, which is taken as written).</summary>
public sealed class FilesExpansionTests : IDisposable
{
    private readonly RecipeWorkspace work = new("filesexp");

    public FilesExpansionTests()
    {
        foreach (string name in (string[])["own/a.txt", "own/b.txt", "own/sub/c.txt", "real/x.txt", "etc/own.txt",
                     "abs/q1.q", "$FILES_DIR/d.txt", "own/{a,b}.txt", "own/{a}.txt"])
            work.Write(name, name + "\n");
        File.CreateSymbolicLink(Path.Combine(work.Dir, "ln"), "real");
    }

    public void Dispose() => work.Dispose();

    private string[] Built(string body, string find)
    {
        work.Write("e.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%files\n{body}");
        var build = work.Build("e.sif", "e.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        var found = work.Exec("e.sif", "sh", "-c", find);
        Assert.True(found.ExitCode == 0, found.ToString());
        return [.. found.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    /// <summary>A wildcard source with no destination: each match at its own path (a directory, a match below a
    /// symlinked directory by the path written, an absolute one), as `cp -fLr MATCH ROOTFS/MATCH` puts it; a match
    /// that is a directory the image has goes into it, as cp puts it.</summary>
    [Fact]
    public void A_source_alone_copies_each_match_to_its_own_path()
    {
        string[] found = Built($"    own/*\n    ln/*.txt\n    */x.txt\n    {work.Dir}/abs/*.q\n    [e]tc\n",
            $"find /own /ln /real {work.Dir}/abs /etc/etc -type f; test -d /ln && ! test -L /ln && echo dir");
        Assert.Equal(new[]
        {
            $"{work.Dir}/abs/q1.q", "/etc/etc/own.txt", "/ln/x.txt", "/own/a.txt", "/own/b.txt", "/own/sub/c.txt",
            "/own/{a,b}.txt", "/own/{a}.txt", "/real/x.txt", "dir",
        }.Order(StringComparer.Ordinal), found);
    }

    /// <summary>`$NAME` and `${NAME}` from the build's environment (unset: empty; an unquoted value split at blanks,
    /// its wildcards matching); quoted or escaped, `$` is a character; a destination is as written.</summary>
    [Fact]
    public void Variables_expand_in_sources_from_the_build_environment()
    {
        work.Env["FILES_DIR"] = "own";
        work.Env["FILES_PAIR"] = "own/a.txt own/b.txt";
        work.Env["FILES_GLOB"] = "own/[ab].txt";
        string[] lines =
        [
            "$FILES_DIR/a.txt /v/1/", "${FILES_DIR}/*.txt /v/2/", "own/$HPCRUN_TEST_UNSET/a.txt /v/3/",
            "'$FILES_DIR'/d.txt /v/4/", "\\$FILES_DIR/d.txt /v/5/", "$FILES_PAIR /v/6/", "$FILES_GLOB /v/7/",
            "\"$FILES_DIR/a.txt\" /v/8/$FILES_DIR", "$FILES_DIR/su[b]",
        ];
        string[] found = Built(string.Concat(lines.Select(l => $"    {l}\n")), "find /v /own -type f");
        Assert.Equal(new[]
        {
            "/own/sub/c.txt", "/v/1/a.txt", "/v/2/a.txt", "/v/2/b.txt", "/v/2/{a,b}.txt", "/v/2/{a}.txt",
            "/v/3/a.txt", "/v/4/d.txt", "/v/5/d.txt", "/v/6/a.txt", "/v/6/b.txt", "/v/7/a.txt", "/v/7/b.txt",
            "/v/8/$FILES_DIR",
        }.Order(StringComparer.Ordinal), found);
    }

    /// <summary>Braces expand as the shell expands them, each word in turn (a list, a sequence, with wildcards,
    /// with no destination); quoted, or with no comma, they are characters.</summary>
    [Fact]
    public void Braces_expand_in_sources()
    {
        string[] lines =
        [
            "own/{a,b}.txt /b/1/", "{own,real}/*.txt /b/2/", "own/{a..b}.txt /b/3/", "'own/{a,b}.txt' /b/4/",
            "own/{a}.txt /b/5/", "{own/sub,real}",
        ];
        string[] found = Built(string.Concat(lines.Select(l => $"    {l}\n")), "find /b /own /real -type f");
        Assert.Equal(new[]
        {
            "/b/1/a.txt", "/b/1/b.txt", "/b/2/a.txt", "/b/2/b.txt", "/b/2/x.txt", "/b/2/{a,b}.txt", "/b/2/{a}.txt",
            "/b/3/a.txt", "/b/3/b.txt", "/b/4/{a,b}.txt", "/b/5/{a}.txt", "/own/sub/c.txt", "/real/x.txt",
        }.Order(StringComparer.Ordinal), found);
    }

    /// <summary>What a shell would run, a source that leaves no path, and a brace word that names a missing file are
    /// each one line with their status.</summary>
    [Theory]
    [InlineData("$(id) /x", 111, "e.def:4: %files source $(id): command substitution and arithmetic are")]
    [InlineData("`id` /x", 111, "e.def:4: %files source `id`: command substitution is not supported")]
    [InlineData("${FILES_DIR:-own} /x", 111, "e.def:4: %files source ${FILES_DIR:-own}: only $NAME and ${NAME} are")]
    [InlineData("$HPCRUN_TEST_UNSET /x", 111, "e.def:4: %files source $HPCRUN_TEST_UNSET: expands to no path")]
    [InlineData("own/{a,nope}.txt /x/", 112, "%files at line 4: nope.txt is not in ")]
    public void A_source_that_cannot_expand_is_refused(string line, int status, string says)
    {
        work.Write("e.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%files\n    {line}\n");
        var build = work.Build("e.sif", "e.def");
        Assert.Equal(status, build.ExitCode);
        Assert.Contains($"hpcrun: {says}", build.Stderr);
        Assert.Single(build.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            l => l.Contains("%files source") || l.Contains("%files at"));
        work.AssertOnly();
    }
}
