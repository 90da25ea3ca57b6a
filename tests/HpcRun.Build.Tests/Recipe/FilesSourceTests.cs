using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>A %files source expanded as Apptainer 1.5's CopyFromHost has mvdan.cc/sh expand it, into patterns whose
/// literal wildcards are escaped: braces, then `~`, `$NAME` and `${NAME}` (unset: empty), quotes removed, an unquoted
/// value split at blanks.</summary>
public class FilesSourceTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["D"] = "dir",
        ["S"] = "p q",
        ["W"] = "*.txt",
        ["HOME"] = "/h",
        ["E"] = "",
    };

    private static List<string> Expand(string word) =>
        FilesSource.Expand(word, n => Variables.GetValueOrDefault(n), line: 4);

    [Theory]
    [InlineData("a/{b,c}.txt", "a/b.txt|a/c.txt")]
    [InlineData("{a,b}{1,2}", "a1|a2|b1|b2")]
    [InlineData("{a,{b,c}}x", "ax|bx|cx")]
    [InlineData("{a,}x", "ax|x")]
    [InlineData("{1..3}", "1|2|3")]
    [InlineData("{3..1..-2}", "3|1")]
    [InlineData("{3..1..2}", "3|2|1")] // a step the other way is 1, as mvdan.cc/sh has it (bash: 3 1)
    [InlineData("{1..5..2}", "1|3|5")]
    [InlineData("{01..03}", "01|02|03")]
    [InlineData("{0..1}", "0|1")]
    [InlineData("{00..1}", "0|1")]
    [InlineData("{8..010}", "08|09|010")]
    [InlineData("{a..1}", "{a..1}")]
    [InlineData("{c..a}", "c|b|a")]
    [InlineData("{a}", "{a}")] // no comma, no sequence: as written
    [InlineData("{a..}", "{a..}")]
    [InlineData("'{a,b}'", "{a,b}")]
    [InlineData("\\{a,b}", "{a,b}")] // an escaped brace is literal
    [InlineData("x\"{a,b}\"", "x{a,b}")]
    [InlineData("\"{a,b}.txt\"", "a.txt|b.txt")] // Apptainer drops the quotes around a whole source
    [InlineData("${D}{a,b}", "dira|dirb")]
    public void Braces_expand_as_a_shell_expands_them(string word, string expected) =>
        Assert.Equal(expected.Split('|'), Expand(word));

    [Theory]
    [InlineData("$D/f", "dir/f")]
    [InlineData("${D}f", "dirf")]
    [InlineData("a/$UNSET/b", "a//b")]
    [InlineData("a$E", "a")]
    [InlineData("\\$D", "$D")]
    [InlineData("'$D'", "$D")]
    [InlineData("x\"$S\"", "xp q")]
    [InlineData("$S", "p|q")] // unquoted: split at blanks
    [InlineData("a$S", "ap|q")]
    [InlineData("$W", "*.txt")] // unquoted: its wildcards match
    [InlineData("x\"$W\"", "x\\*.txt")] // quoted: literal
    [InlineData("\"my dir/$D\"", "my dir/dir")]
    [InlineData("~/f", "/h/f")]
    [InlineData("a~", "a~")]
    [InlineData("~x/f", "~x/f")]
    [InlineData("a$", "a$")]
    [InlineData("$/x", "$/x")]
    [InlineData("'a*'", "a\\*")]
    [InlineData("a\\*", "a\\*")]
    public void Variables_and_quotes_expand_as_a_shell_expands_them(string word, string expected) =>
        Assert.Equal(expected.Split('|'), Expand(word));

    [Theory]
    [InlineData("$(ls)", "command substitution and arithmetic are not supported")]
    [InlineData("$((1+2))", "command substitution and arithmetic are not supported")]
    [InlineData("`ls`", "command substitution is not supported")]
    [InlineData("${D:-x}", "only $NAME and ${NAME} are expanded")]
    [InlineData("${}", "only $NAME and ${NAME} are expanded")]
    [InlineData("$1", "only $NAME and ${NAME} are expanded")]
    [InlineData("$$", "only $NAME and ${NAME} are expanded")]
    [InlineData("$UNSET", "expands to no path (an unset or empty variable?)")]
    [InlineData("{$UNSET,$E}", "expands to no path (an unset or empty variable?)")]
    [InlineData("'a", "a quote is not closed")]
    [InlineData("/x/$HPCRUN_DOCKER_PASSWORD", "$HPCRUN_DOCKER_PASSWORD holds a credential, which is never expanded")]
    [InlineData("\"${APPTAINER_DOCKER_PASSWORD}\"",
        "$APPTAINER_DOCKER_PASSWORD holds a credential, which is never expanded")]
    [InlineData("{a,$SLURM_JWT}", "$SLURM_JWT holds a credential, which is never expanded")]
    [InlineData("{1..100000000}", "expands to more than 10000 paths")]
    [InlineData("{0..10000}", "expands to more than 10000 paths")]
    [InlineData("{1..200}{1..100}", "expands to more than 10000 paths")]
    public void What_a_shell_would_run_or_what_leaves_no_path_is_refused(string word, string says)
    {
        var refused = Assert.Throws<RecipeException>(() => Expand(word));
        Assert.Equal(($"%files source {word}: {says}", 4), (refused.Message, refused.Line));
    }

    [Fact]
    public void A_credential_is_refused_by_name_never_by_value()
    {
        var refused = Assert.Throws<RecipeException>(() =>
            FilesSource.Expand("$SINGULARITY_DOCKER_PASSWORD", _ => "hunter2secret", line: 4));
        Assert.DoesNotContain("hunter2secret", refused.Message);
        Assert.Contains("$SINGULARITY_DOCKER_PASSWORD", refused.Message);
    }

    [Fact]
    public void As_many_paths_as_allowed_expand() => Assert.Equal(FilesSource.MostPaths, Expand("{1..10000}").Count);

    [Theory]
    [InlineData("a b", "a", " b")]
    [InlineData("'a b' c", "'a b'", " c")]
    [InlineData("a\\ b c", "a\\ b", " c")]
    [InlineData("  \"x y\"z", "\"x y\"z", "")]
    public void The_source_is_the_first_word_as_written(string line, string word, string rest) =>
        Assert.Equal((word, rest), FilesSource.First(line));
}
