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

    /// <summary>A URL's or reference's USER:PASSWORD (RFC 3986's user information, before the host) is never shown;
    /// an image digest's '@' is no such part.</summary>
    [Theory]
    [InlineData("docker://alice:S3cret@127.0.0.1:5443/test/bb:1", "docker://***@127.0.0.1:5443/test/bb:1")]
    [InlineData("alice:S3cret@registry.example.org/g/a:2.1", "***@registry.example.org/g/a:2.1")]
    [InlineData("https://u:p@mirror.example.org", "https://***@mirror.example.org")]
    [InlineData("oras://u:p@host/x:1", "oras://***@host/x:1")]
    [InlineData("docker://a:b@c@host/x", "docker://***@host/x")]
    [InlineData("docker://u:p/w0rd@h/x", "docker://***@h/x")] // a password with a '/' in it
    [InlineData("docker:///u:s3cret@host/x", "docker://***@host/x")]
    [InlineData("docker://u:p@host/x@sha256:0123", "docker://***@host/x@sha256:0123")]
    [InlineData("docker://python@sha256:0123", "docker://python@sha256:0123")]
    [InlineData("host:5000/name@sha256:0123", "host:5000/name@sha256:0123")]
    [InlineData("docker://python:3.12", "docker://python:3.12")]
    [InlineData("", "")]
    public void An_addresss_user_information_is_never_shown(string address, string shown)
    {
        Assert.Equal(shown, Shown.Address(address));
        Assert.Equal(shown != address, Shown.UserInfoEnd(address) > 0);
    }

    /// <summary>A URL inside a message (a slurmrestd URL, a reference after other words) is shown without its
    /// user information wherever a path, a value or a whole message is shown.</summary>
    [Fact]
    public void A_urls_user_information_is_left_out_of_every_message()
    {
        Assert.Equal("cannot reach slurmrestd at http://***@127.0.0.1:1/: connection refused",
            Shown.Message("cannot reach slurmrestd at http://alice:s3cret@127.0.0.1:1/: connection refused"));
        Assert.Equal("'docker://***@h/x' and GET https://***@h/v2/ then http://plain/x",
            Shown.Message("'docker://u:s3/cret@h/x' and GET https://u:p@h/v2/ then http://plain/x"));
        Assert.Equal("pull docker://***@h/x: unauthorized; docker://h:5000 has no bb@sha256:01, docker://h:5000 x",
            Shown.Message("pull docker://u:correct horse staple@h/x: unauthorized; docker://h:5000 has no " +
                "bb@sha256:01, docker://h:5000 x")); // a password with spaces; an address and a digest after it
        Assert.Equal("cannot write docker://***@h/x: its directory docker://***@h does not exist",
            Shown.Path("cannot write docker://u:s3cret@h/x: its directory docker://u:s3cret@h does not exist"));
    }

    /// <summary>A line of a file quoted in a message (an env file that is /dev/zero: one line of a million NULs)
    /// keeps both ends; a whole message keeps thousands of characters of each.</summary>
    [Fact]
    public void Excerpt_and_Message_keep_a_line_short()
    {
        string zeros = new('\0', 1 << 20);
        string end = string.Concat(Enumerable.Repeat("\\x00", 15)); // 60 characters shown
        Assert.Equal($"{end}...(4194184 more)...{end}", Shown.Excerpt(zeros));
        Assert.True(Shown.Message(zeros).Length < 1_100);
        Assert.Equal("short \\x0D", Shown.Message("short \r"));
    }
}
