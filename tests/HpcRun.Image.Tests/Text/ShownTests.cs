using HpcRun.Image.Text;

namespace HpcRun.Image.Tests.Text;

/// <summary>Names from images and command lines as messages show them: control characters and bytes that are not
/// UTF-8 visible as \xNN, so that a `#!/bin/sh\r` cannot send the cursor back and hide the name.</summary>
public class ShownTests
{
    [Theory]
    [InlineData("/bin/sh\r", "/bin/sh\\x0D")]
    [InlineData("a\tb\nc", "a\\x09b\\x0Ac")]
    [InlineData("\u001b[2Jclear", "\\x1B[2Jclear")]
    [InlineData("del\u007f c1\u0085", "del\\x7F c1\\x85")]
    [InlineData("café ∑ 🚀 plain", "café ∑ 🚀 plain")]
    public void Control_characters_and_raw_bytes_are_visible(string text, string shown)
    {
        Assert.Equal(shown, Shown.Visible(text));
        Assert.Equal(shown, Shown.Path(text));
    }

    [Fact]
    public void A_byte_that_is_not_UTF8_is_visible() // RawText's escape of a Latin-1 é (an attribute cannot hold it)
    {
        string latin1 = RawText.Decode([0x63, 0x61, 0x66, 0xe9]);
        Assert.Equal("caf\\xE9", Shown.Visible(latin1));
    }

    [Fact]
    public void Visible_elides_nothing_where_Path_elides_the_middle()
    {
        string longName = "/" + new string('a', 300) + "\r";
        Assert.Equal("/" + new string('a', 300) + "\\x0D", Shown.Visible(longName));
        Assert.Contains("more)...", Shown.Path(longName));
    }
}
