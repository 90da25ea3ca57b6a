using System.Text;
using HpcRun.Image.Text;

namespace HpcRun.Image.Tests.Text;

public class RawTextTests
{
    public static TheoryData<byte[]> Samples => new()
    {
        Encoding.UTF8.GetBytes("plain ascii"),
        Encoding.UTF8.GetBytes("utf-8: café ∑ 🚀"),
        new byte[] { 0x63, 0x61, 0x66, 0xe9 }, // Latin-1 café
        new byte[] { 0xff, 0xfe, 0x80, 0xc0, 0xaf }, // bytes that never start or continue UTF-8
        new byte[] { 0xe2, 0x82, 0x41 }, // a sequence cut short, then ASCII
        new byte[] { 0xed, 0xa0, 0x80 }, // an encoded surrogate (invalid in UTF-8)
        new byte[] { 0xf0, 0x9f, 0x9a, 0x80, 0xe9 }, // a valid 4-byte character, then a stray byte
        Array.Empty<byte>(),
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryByteSurvivesTheRoundTrip(byte[] bytes) =>
        Assert.Equal(bytes, RawText.Encode(RawText.Decode(bytes)));

    [Fact]
    public void ValidUtf8IsOrdinaryText()
    {
        Assert.Equal("café", RawText.Decode(Encoding.UTF8.GetBytes("café")));
        Assert.False(RawText.HasEscapes("café"));
    }

    [Fact]
    public void AByteThatIsNotUtf8BecomesItsEscape()
    {
        string text = RawText.Decode([0x63, 0xe9]);
        Assert.Equal("c\udce9", text);
        Assert.True(RawText.HasEscapes(text));
    }
}
