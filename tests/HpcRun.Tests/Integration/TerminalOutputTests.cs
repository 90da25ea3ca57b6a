using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>What hpcrun writes to a terminal (a pty, as `script` gives one): plain lines, readable on a dark
/// background and a light one, and no terminal mode switched on (.NET's console sets keypad mode at its first
/// write and leaves it on).</summary>
public class TerminalOutputTests
{
    [Theory]
    [InlineData("xterm")]
    [InlineData("xterm-256color")]
    public void ErrorsWarningsAndOutputAreBytesWithoutEscapes(string term)
    {
        var result = Hpcrun.Script($"export TERM={term}; script -qc \"$H nosuch.sif; $H -v nosuch.sif; " +
            "$H --nv --gpu=amd x; $H --version; $H version\" /dev/null");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain('\u001b', result.Stdout);
        string[] lines = result.Stdout.Split("\r\n");
        Assert.Equal("hpcrun: image not found: nosuch.sif", lines[0]);
        Assert.Contains(lines, l => l.EndsWith(" ERR image not found: nosuch.sif", StringComparison.Ordinal));
        Assert.Contains("hpcrun: --nv contradicts --gpu=amd", lines);
        Assert.Matches(@"^hpcrun version \d+\.\d+\.\d+", lines[^3]);
        Assert.Equal(lines[^3]["hpcrun version ".Length..], lines[^2]); // Apptainer's two forms, one version
    }

    /// <summary>hpcrun writes at the descriptor's offset, which it shares with what else writes to a redirected
    /// file: the lines of two runs both stay.</summary>
    [Fact]
    public void LinesOfSuccessiveRunsToOneRedirectedFileAllStay()
    {
        var result = Hpcrun.Script("f=$(mktemp); { $H one.sif; $H two.sif; } 2>\"$f\"; cat \"$f\"; rm -f \"$f\"");
        Assert.Equal("hpcrun: image not found: one.sif\nhpcrun: image not found: two.sif\n", result.Stdout);
    }
}
