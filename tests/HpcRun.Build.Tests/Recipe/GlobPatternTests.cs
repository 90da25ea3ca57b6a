using System.Text.RegularExpressions;
using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>%files sources match as Apptainer's shell expansion matches them (bash without globstar or extglob);
/// COPY's as BuildKit's filepath.Match does.</summary>
public class GlobPatternTests
{
    private static bool Matches(string pattern, string path, bool shell) =>
        Regex.IsMatch(path, $"^{GlobPattern.ToRegex(pattern, shell)}$");

    [Theory]
    [InlineData("?.txt", "a.txt", true)]
    [InlineData("?.txt", ".txt", false)]
    [InlineData("*", ".hidden", false)] // a hidden name needs its dot written
    [InlineData(".*", ".hidden", true)]
    [InlineData("[.]h*", ".hidden", false)]
    [InlineData("d/*", "d/.hidden", false)]
    [InlineData("[ab].txt", "b.txt", true)]
    [InlineData("[a-c].txt", "c.txt", true)]
    [InlineData("[a-c].txt", "d.txt", false)]
    [InlineData("[!a].txt", "a.txt", false)]
    [InlineData("[!a].txt", "b.txt", true)]
    [InlineData("[^a].txt", "b.txt", true)]
    [InlineData("[]a].txt", "].txt", true)]
    [InlineData("d[[:digit:]]", "d7", true)]
    [InlineData("d[[:digit:]]", "dx", false)]
    [InlineData("[[:alpha:]_]*", "_x", true)]
    [InlineData("lit\\*", "lit*", true)]
    [InlineData("lit\\*", "litx", false)]
    [InlineData("\\[ab]", "[ab]", true)]
    [InlineData("[x", "[x", true)] // a bracket that closes nowhere is itself
    [InlineData("**/*.txt", "a/b.txt", true)]
    [InlineData("**/*.txt", "a/b/c.txt", false)] // no globstar: ** is *
    [InlineData("*", "a/b", false)]
    public void Shell_patterns_match_as_bash_does(string pattern, string path, bool matches) =>
        Assert.Equal(matches, Matches(pattern, path, shell: true));

    [Theory]
    [InlineData("[ab].txt", "a.txt", true)]
    [InlineData("[^a].txt", "a.txt", false)]
    [InlineData("[!a].txt", "!.txt", true)] // Go negates with ^ only
    [InlineData("*", ".hidden", true)]
    [InlineData("**/*.txt", "a/b/c.txt", true)]
    public void Copy_patterns_match_as_buildkit_does(string pattern, string path, bool matches) =>
        Assert.Equal(matches, Matches(pattern, path, shell: false));

    [Theory]
    [InlineData("a\\*b", false, "a*b")]
    [InlineData("a*b", true, "a*b")]
    [InlineData("[x", false, "[x")]
    [InlineData("[x]", true, "[x]")]
    public void Escaped_wildcards_and_open_brackets_are_literal(string pattern, bool wild, string literal)
    {
        Assert.Equal(wild, GlobPattern.HasWildcard(pattern, shell: true));
        Assert.Equal(literal, GlobPattern.Unescape(pattern));
        Assert.True(Matches(GlobPattern.Literal(literal), literal, shell: true));
    }
}
