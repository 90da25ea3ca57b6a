using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>COPY --chmod as BuildKit applies it: octal replaces the mode of files and directories alike; symbolic
/// changes each one's own mode as chmod(1) does with no umask (BSD's setmode, which BuildKit uses).</summary>
public class ChmodFlagTests
{
    [Theory]
    [InlineData("755", 0b110_100_100, false, 0b111_101_101)]
    [InlineData("0644", 0b111_111_111, true, 0b110_100_100)]
    [InlineData("4755", 0b110_100_100, false, 0b100_111_101_101)]
    [InlineData("0", 0b111_111_111, false, 0)]
    [InlineData("00000755", 0, false, 0b111_101_101)]
    public void Octal_replaces_the_mode(string text, uint mode, bool directory, uint expected)
    {
        ChmodFlag chmod = ChmodFlag.Parse(text);
        Assert.Equal(expected, chmod.Apply(mode, directory));
        Assert.Equal(expected, chmod.CreatedDirectoryMode);
    }

    /// <summary>Expected values from GNU chmod with umask 0 (file, then directory), where it and BSD's setmode
    /// agree.</summary>
    [Theory]
    [InlineData("+t", 0b110_000_000, 0b001_110_000_000, 0b001_110_000_000)]
    [InlineData("+t", 0b111_100_100, 0b001_111_100_100, 0b001_111_100_100)]
    [InlineData("+x", 0b110_000_000, 0b111_001_001, 0b111_001_001)]
    [InlineData("+x", 0b111_100_100, 0b111_101_101, 0b111_101_101)]
    [InlineData("=", 0b110_000_000, 0b000_000_000, 0b000_000_000)]
    [InlineData("=", 0b111_100_100, 0b000_000_000, 0b000_000_000)]
    [InlineData("=rw,+X", 0b110_000_000, 0b110_110_110, 0b111_111_111)]
    [InlineData("a+X", 0b110_000_000, 0b110_000_000, 0b111_001_001)]
    [InlineData("a+X", 0b111_100_100, 0b111_101_101, 0b111_101_101)]
    [InlineData("a-x", 0b110_000_000, 0b110_000_000, 0b110_000_000)]
    [InlineData("a-x", 0b111_100_100, 0b110_100_100, 0b110_100_100)]
    [InlineData("a=r", 0b110_000_000, 0b100_100_100, 0b100_100_100)]
    [InlineData("a=r", 0b111_100_100, 0b100_100_100, 0b100_100_100)]
    [InlineData("g+X", 0b110_000_000, 0b110_000_000, 0b110_001_000)]
    [InlineData("g+X", 0b111_100_100, 0b111_101_100, 0b111_101_100)]
    [InlineData("g=u", 0b110_000_000, 0b110_110_000, 0b110_110_000)]
    [InlineData("g=u", 0b111_100_100, 0b111_111_100, 0b111_111_100)]
    [InlineData("g=u-w", 0b110_000_000, 0b110_100_000, 0b110_100_000)]
    [InlineData("g=u-w", 0b111_100_100, 0b111_101_100, 0b111_101_100)]
    [InlineData("go-w", 0b110_000_000, 0b110_000_000, 0b110_000_000)]
    [InlineData("go-w", 0b111_100_100, 0b111_100_100, 0b111_100_100)]
    [InlineData("go=", 0b110_000_000, 0b110_000_000, 0b110_000_000)]
    [InlineData("go=", 0b110_100_100, 0b110_000_000, 0b110_000_000)]
    [InlineData("go=", 0b111_100_100, 0b111_000_000, 0b111_000_000)]
    [InlineData("o+s", 0b110_000_000, 0b110_000_000, 0b110_000_000)]
    [InlineData("o+s", 0b111_100_100, 0b111_100_100, 0b111_100_100)]
    [InlineData("o=u", 0b110_000_000, 0b110_000_110, 0b110_000_110)]
    [InlineData("o=u", 0b111_100_100, 0b111_100_111, 0b111_100_111)]
    [InlineData("u+rwx,g-w,o=", 0b110_000_000, 0b111_000_000, 0b111_000_000)]
    [InlineData("u+rwx,g-w,o=", 0b111_100_100, 0b111_100_000, 0b111_100_000)]
    [InlineData("u+s", 0b110_000_000, 0b100_110_000_000, 0b100_110_000_000)]
    [InlineData("u+s", 0b111_100_100, 0b100_111_100_100, 0b100_111_100_100)]
    [InlineData("u-x+w", 0b110_000_000, 0b110_000_000, 0b110_000_000)]
    [InlineData("u-x+w", 0b111_100_100, 0b110_100_100, 0b110_100_100)]
    [InlineData("u=", 0b110_000_000, 0b000_000_000, 0b000_000_000)]
    [InlineData("u=", 0b111_100_100, 0b000_100_100, 0b000_100_100)]
    [InlineData("u=rwX,go=rX", 0b110_000_000, 0b110_100_100, 0b111_101_101)]
    [InlineData("u=rwX,go=rX", 0b111_100_100, 0b111_101_101, 0b111_101_101)]
    [InlineData("u=rwx,go=u-w", 0b110_000_000, 0b111_101_101, 0b111_101_101)]
    [InlineData("u=rwx,go=u-w", 0b111_100_100, 0b111_101_101, 0b111_101_101)]
    [InlineData("ug=rw,o=r", 0b110_000_000, 0b110_110_100, 0b110_110_100)]
    [InlineData("ug=rw,o=r", 0b111_100_100, 0b110_110_100, 0b110_110_100)]
    public void Symbolic_changes_each_mode_as_chmod_does(string text, uint mode, uint file, uint directory)
    {
        ChmodFlag chmod = ChmodFlag.Parse(text);
        Assert.Equal((file, directory), (chmod.Apply(mode, false), chmod.Apply(mode, true)));
        Assert.Equal(0b111_101_101u, chmod.CreatedDirectoryMode);
    }

    /// <summary>Where BSD's setmode, which BuildKit uses, is its own (a bare `=` keeps the sticky bit, `s` and `t`
    /// for others alone are nothing, `X` looks at the mode before the change), and `X` with `-` and `=` as BuildKit
    /// has taken it since 2025 (moby/buildkit#5835), as GNU chmod.</summary>
    [Theory]
    [InlineData("-X", 0b111_111_111, 0b110_110_110)]
    [InlineData("a-X", 0b110_100_100, 0b110_100_100)]
    [InlineData("u=rwX", 0b000_100_001, 0b111_100_001)]
    [InlineData("=", 0b001_111_111_111, 0b001_000_000_000)]
    [InlineData("-t", 0b001_100_010_001, 0b100_010_001)]
    [InlineData("+s", 0, 0b110_000_000_000)]
    [InlineData("o+st", 0, 0)]
    [InlineData("+", 0b100_010_001, 0b100_010_001)]
    [InlineData("=rw,+X", 0b111_100_100, 0b111_111_111)] // X looks at the mode before the change; GNU: 666
    public void Bsd_setmode_cases(string text, uint mode, uint expected) =>
        Assert.Equal(expected, ChmodFlag.Parse(text).Apply(mode, false));

    [Theory]
    [InlineData("")]
    [InlineData("64a")]
    [InlineData("10000")]
    [InlineData("9")]
    [InlineData("u")]
    [InlineData("u+q")]
    [InlineData("u+x,")]
    [InlineData("z+x")]
    [InlineData(",")]
    [InlineData("+755")]
    public void What_is_not_a_mode_is_refused(string text) =>
        Assert.Throws<FormatException>(() => ChmodFlag.Parse(text));
}
