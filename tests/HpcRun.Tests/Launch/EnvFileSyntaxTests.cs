using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

/// <summary>--env-file read as a POSIX shell reads assignments (Apptainer evaluates the file as a shell script):
/// each expected value is what `sh -c '. ./F; echo "$A"'` gives with HOME=/home/alice, but for the `$` forms the
/// README leaves unevaluated.</summary>
public class EnvFileSyntaxTests
{
    private static List<(string, string)> Values(string text) =>
        [.. EnvFileSyntax.Parse("f", text)
            .Select(p => (p.Name, p.Value.Expand(name => name == "HOME" ? "/home/alice" : null)))];

    private static string Value(string text) => Assert.Single(Values(text)).Item2;

    [Fact]
    public void CommentsBlankLinesExportAndQuotes()
    {
        string text = "# settings\n\nexport A=1\nB=\"two words\"\nC='x=y'\nD=\n";
        Assert.Equal([("A", "1"), ("B", "two words"), ("C", "x=y"), ("D", "")], Values(text));
    }

    [Theory]
    [InlineData("A=1 # comment", "1")] // reported: a comment after the value is not part of it
    [InlineData("A=1\t# comment", "1")]
    [InlineData("A=1 #", "1")]
    [InlineData("A= # comment", "")]
    [InlineData("A=b#c", "b#c")] // '#' inside a word is a character
    [InlineData("A=1#", "1#")]
    [InlineData("A=\"1 # not a comment\"", "1 # not a comment")]
    [InlineData("A='1 # not a comment'", "1 # not a comment")]
    [InlineData("A=1\\ #x", "1 #x")] // an escaped blank joins: '#' is inside the word
    [InlineData("A=\\#x", "#x")]
    [InlineData("  A=1   ", "1")]
    public void AnUnquotedHashThatStartsAWordStartsAComment(string line, string value) =>
        Assert.Equal(value, Value(line));

    [Theory]
    [InlineData("E=\"a\\\"b\"", "a\"b")] // reported: \" in double quotes is a quote
    [InlineData("E=\"a\\\\b\"", "a\\b")]
    [InlineData("E=\"a\\$HOME\"", "a$HOME")]
    [InlineData("E=\"a\\`b\"", "a`b")]
    [InlineData("E=\"a\\\nb\"", "ab")] // backslash-newline: a continued line
    [InlineData("E=\"a\\nb\"", "a\\nb")] // before anything else the backslash stays
    [InlineData("E=\"a\\'b\"", "a\\'b")]
    [InlineData("E=\"a\\b\"", "a\\b")]
    [InlineData("E=\"a'b\"", "a'b")]
    [InlineData("E=\"a\nb\"", "a\nb")]
    [InlineData("E=\"\"", "")]
    public void InDoubleQuotesABackslashEscapesOnlyQuoteBackslashDollarBacktickAndNewline(string line, string value) =>
        Assert.Equal(value, Value(line));

    [Theory]
    [InlineData("S='a\\b'", "a\\b")]
    [InlineData("S='a\\'", "a\\")] // a backslash cannot escape the closing quote
    [InlineData("S='$HOME'", "$HOME")]
    [InlineData("S='a\"b'", "a\"b")]
    [InlineData("S='a # b'", "a # b")]
    [InlineData("S='$(date)'", "$(date)")]
    [InlineData("S='a\nb'", "a\nb")]
    [InlineData("S=''", "")]
    public void SingleQuotesTakeEverythingLiterally(string line, string value) => Assert.Equal(value, Value(line));

    [Theory]
    [InlineData("U=a\\ b", "a b")]
    [InlineData("U=a\\\"b", "a\"b")]
    [InlineData("U=a\\'b", "a'b")]
    [InlineData("U=\\$HOME", "$HOME")]
    [InlineData("U=a\\\\b", "a\\b")]
    [InlineData("U=a\\nb", "anb")]
    [InlineData("U=a\\;b", "a;b")]
    [InlineData("U=a\\\nb", "ab")] // a continued line
    [InlineData("U=a\\", "a\\")] // at the file's end the backslash stays
    public void OutsideQuotesABackslashEscapesTheNextCharacter(string line, string value) =>
        Assert.Equal(value, Value(line));

    [Theory]
    [InlineData("A=\"x\"'y'z", "xyz")]
    [InlineData("A=a\"b c\"d", "ab cd")]
    [InlineData("A='$HOME'\"$HOME\"$HOME", "$HOME/home/alice/home/alice")]
    [InlineData("A=\"\"''", "")]
    [InlineData("A=x=y=z", "x=y=z")]
    public void QuotedAndUnquotedPartsConcatenate(string line, string value) => Assert.Equal(value, Value(line));

    [Theory]
    [InlineData("V=$HOME/x", "/home/alice/x")]
    [InlineData("V=${HOME}x", "/home/alicex")]
    [InlineData("V=\"$HOME x\"", "/home/alice x")]
    [InlineData("V=\"${HOME}\"", "/home/alice")]
    [InlineData("V=$UNSET", "")]
    [InlineData("V=$", "$")]
    [InlineData("V=a$", "a$")]
    [InlineData("V=\"$\"", "$")]
    [InlineData("V=$1", "$1")] // as EnvTemplate: only names expand
    [InlineData("V=${HOME:-x}", "${HOME:-x}")] // not evaluated (README)
    public void VariablesExpandAsTheReadmeSays(string line, string value) => Assert.Equal(value, Value(line));

    [Fact]
    public void ExportAndSeveralAssignmentsOnALine()
    {
        Assert.Equal([("A", "1"), ("B", "2 3")], Values("export A=1 B='2 3'"));
        Assert.Equal([("A", "1"), ("B", "2")], Values("A=1 B=2"));
        Assert.Equal([("A", "1"), ("B", "2")], Values("A=1; B=2;"));
        Assert.Equal([("A", "1")], Values("A=1\nexport A"));
        Assert.Equal([("B", "2")], Values("export\tA B=2")); // export A: A keeps its value
        Assert.Equal([("A", "1"), ("B", "2")], Values("A=1\r\nB=2\r\n")); // a file written on Windows
        Assert.Equal([], Values(""));
        Assert.Equal([], Values("# only a comment\n\n   \n"));
    }

    [Fact]
    public void LaterLinesCountTheLinesQuotedValuesSpan()
    {
        var error = Assert.Throws<HpcRunException>(() => EnvFileSyntax.Parse("vars.env", "A='x\ny'\nB=\"1\\\n2\"\nC"));
        Assert.Equal("vars.env:5: expected NAME=VALUE, got 'C'", error.Message);
    }

    [Theory]
    [InlineData("JUSTANAME", "expected NAME=VALUE, got 'JUSTANAME'")]
    [InlineData("1A=x", "expected NAME=VALUE, got '1A=x'")]
    [InlineData("A B=x", "expected NAME=VALUE, got 'A B=x'")]
    [InlineData("A=1 B", "expected NAME=VALUE, got 'A=1 B'")] // a shell runs B with A=1 in its environment
    [InlineData("A=1 echo x", "expected NAME=VALUE, got 'A=1 echo x'")]
    [InlineData("A=1 export B=2", "expected NAME=VALUE, got 'A=1 export B=2'")]
    [InlineData("\"A\"=1", "expected NAME=VALUE, got '\"A\"=1'")] // a quoted name is a command's
    [InlineData("A\\=1", "expected NAME=VALUE, got 'A\\=1'")]
    [InlineData("export $A", "expected NAME=VALUE, got 'export $A'")]
    [InlineData("export 1A", "expected NAME=VALUE, got 'export 1A'")]
    [InlineData("A=1; echo", "expected NAME=VALUE, got 'A=1; echo'")]
    [InlineData("A='x", "unterminated single quote")]
    [InlineData("A=\"x", "unterminated double quote")]
    [InlineData("A=\"x\\\"", "unterminated double quote")]
    [InlineData("A=$(date)", "command substitution ($(...) or `...`) is not run in an env file")]
    [InlineData("A=\"`date`\"", "command substitution ($(...) or `...`) is not run in an env file")]
    [InlineData("A=1 | cat", "unquoted '|' would be a shell operator; quote it to keep it in the value")]
    [InlineData("A=a&b", "unquoted '&' would be a shell operator; quote it to keep it in the value")]
    [InlineData("A=1 >out", "unquoted '>' would be a shell operator; quote it to keep it in the value")]
    [InlineData("A=(1 2)", "unquoted '(' would be a shell operator; quote it to keep it in the value")]
    [InlineData("; A=1", "';' with nothing before it")]
    [InlineData("A=1;;", "';' with nothing before it")]
    public void WhatAShellWouldRunOrCannotReadIsMalformed(string line, string why)
    {
        var error = Assert.Throws<HpcRunException>(() => EnvFileSyntax.Parse("vars.env", "OK=1\n" + line));
        Assert.Equal(ExitCode.BadEnvironmentFile, error.Code);
        Assert.Equal($"vars.env:2: {why}", error.Message);
    }
}
