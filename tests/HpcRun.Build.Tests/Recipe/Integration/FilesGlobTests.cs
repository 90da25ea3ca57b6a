using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>%files sources expanded as Apptainer 1.5's CopyFromHost expands them (mvdan.cc/sh, as bash without
/// globstar or extglob): `*`, `?`, bracket classes (ranges, `!`/`^`, POSIX classes), backslash escapes, hidden names
/// matched only by a written dot, `**` as `*`, an unclosed `[` and a pattern that matches nothing taken as written.
/// </summary>
public sealed class FilesGlobTests : IDisposable
{
    private readonly RecipeWorkspace work = new("filesglob");

    public void Dispose() => work.Dispose();

    [Fact]
    public void Files_sources_match_as_apptainers_shell_expansion_matches_them()
    {
        foreach (string name in (string[])["a.txt", "b.txt", "c.txt", "d1.txt", "d2.txt", "x.dat", ".hidden.txt",
                     "lit*.txt", "lit-more.txt", "[x.txt", "[z].txt", "sub/deep.txt"])
            work.Write($"g/{name}", name + "\n");
        string[] lines =
        [
            "g/?.txt", "g/[ab].txt", "g/[a-c].txt", "g/[!a].txt", "g/[^ab].txt", "g/d[[:digit:]].txt",
            "g/lit\\*.txt", "g/*.txt", "g/.*.txt", "g/**/*.txt", "g/[x.txt", "g/[z].txt",
        ];
        work.Write("g.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%files\n" +
            string.Concat(lines.Select((l, i) => $"    {l} /out/{i + 1}/\n")));
        var build = work.Build("g.sif", "g.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        var found = work.Exec("g.sif", "sh", "-c", "cd /out && find . -type f");
        Assert.True(found.ExitCode == 0, found.ToString());
        string[] expected =
        [
            .. Each(1, "a.txt", "b.txt", "c.txt"), .. Each(2, "a.txt", "b.txt"), .. Each(3, "a.txt", "b.txt", "c.txt"),
            .. Each(4, "b.txt", "c.txt"), .. Each(5, "c.txt"), .. Each(6, "d1.txt", "d2.txt"), .. Each(7, "lit*.txt"),
            .. Each(8, "a.txt", "b.txt", "c.txt", "d1.txt", "d2.txt", "lit*.txt", "lit-more.txt", "[x.txt", "[z].txt"),
            .. Each(9, ".hidden.txt"), .. Each(10, "deep.txt"), .. Each(11, "[x.txt"), .. Each(12, "[z].txt"),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal),
            found.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Each(int line, params string[] names) => names.Select(n => $"./{line}/{n}");

    /// <summary>A pattern that matches nothing, where no file has its name either, is one line and status 112 (cp's
    /// "cannot stat" in Apptainer); an escaped wildcard is a name that must be there.</summary>
    [Theory]
    [InlineData("g/none*.txt", "%files at line 4: none*.txt matches nothing in ")]
    [InlineData("g/[xy].txt", "%files at line 4: [xy].txt matches nothing in ")]
    [InlineData("g/a\\*.txt", "%files at line 4: a*.txt is not in ")]
    public void A_pattern_that_matches_nothing_is_refused(string source, string says)
    {
        work.Write("g/a.txt", "a\n");
        work.Write("n.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%files\n    {source} /out/\n");
        var build = work.Build("n.sif", "n.def");
        Assert.Equal(112, build.ExitCode);
        Assert.Contains($"hpcrun: {says}", build.Stderr);
        Assert.Single(build.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("hpcrun: %"));
        work.AssertOnly();
    }
}
