using HpcRun.Build.Tar;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.Image.Text;

namespace HpcRun.Image.Tests;

/// <summary>The tar reader on archives written block by block: names kept as bytes, every field bounded.</summary>
public sealed class TarArchiveReaderTests
{
    private static byte[] B(string latin1) => RawTar.Bytes(latin1);

    private static List<TarHeader> Read(byte[] archive)
    {
        var reader = new TarArchiveReader(new MemoryStream(archive));
        var entries = new List<TarHeader>();
        while (reader.Next() is { } entry) entries.Add(entry);
        return entries;
    }

    private static T Refused<T>(byte[] archive) where T : Exception
    {
        var e = Assert.Throws<T>(() => Read(archive));
        Assert.True(e.Message.Length < 200 && !e.Message.Contains('\n'), e.Message); // one short line
        return e;
    }

    [Fact]
    public void Names_that_are_not_utf8_keep_their_bytes_in_ustar_pax_and_gnu_long_names()
    {
        byte[] ustar = B("caf\xe9.txt"), pax = B("dir/\xff\xfe-pax");
        byte[] gnu = B(new string('x', 150) + "\xe9");
        var entries = Read(new RawTar().File(ustar, "1").Pax(("path", pax)).File(B("ignored"), "2")
            .GnuLongName(gnu).File(B("short"), "3").ToArray());
        Assert.Equal([ustar, pax, gnu], entries.Select(e => RawText.Encode(e.Name)));
        Assert.NotEqual(RawText.Encode("caf\uFFFD.txt"), RawText.Encode(entries[0].Name));
    }

    [Fact]
    public void A_legal_path_of_6000_bytes_is_read_whole()
    {
        string path = string.Join('/', Enumerable.Range(0, 30).Select(i => $"d{i:D3}".PadRight(199, 'x'))) + "/file";
        TarHeader entry = Assert.Single(Read(new RawTar().Pax(("path", B(path))).File(B("x"), "data")
            .ToArray()));
        Assert.Equal(path, entry.Name);
        Assert.True(path.Length > 6000);
    }

    [Fact]
    public void Pax_times_keep_their_fraction_and_sign()
    {
        var entries = Read(new RawTar().Pax(("mtime", B("1700000000.25"))).File(B("a"), "")
            .Pax(("mtime", B("-1.5"))).File(B("b"), "").File(B("c"), "", mtime: 42).ToArray());
        Assert.Equal([(1700000000L, 250_000_000L), (-2L, 500_000_000L), (42L, 0L)],
            entries.Select(e => (e.MtimeSeconds, e.MtimeNanoseconds)));
    }

    [Fact]
    public void Global_pax_headers_are_ignored_and_v7_directories_recognised()
    {
        var entries = Read(new RawTar().Header(B("pax_global_header"), 'g', 0).Header(B("old/"), '\0', 0)
            .ToArray());
        Assert.Equal(TarKind.Directory, Assert.Single(entries).Kind);
    }

    [Theory]
    [InlineData("size"), InlineData("uid"), InlineData("gid")]
    public void A_pax_number_of_40_digits_is_refused(string key)
    {
        byte[] archive = new RawTar().Pax((key, B(new string('9', 40)))).File(B("f"), "x").ToArray();
        Assert.Contains(key, Refused<TarFormatException>(archive).Message);
    }

    [Fact]
    public void A_gnu_long_name_claiming_a_gibibyte_is_refused_before_it_is_read()
    {
        byte[] archive = new RawTar().GnuLongName(B("a"), claimed: 1L << 30).ToArray(end: false);
        Assert.Contains("limit", Refused<TarFormatException>(archive).Message);
    }

    [Fact]
    public void A_base256_size_beyond_64_bits_is_refused()
    {
        static void Base256(byte[] header)
        {
            header[124] = 0x80; // GNU base-256 size: 11 bytes of 0xFF is far past 64 bits
            header.AsSpan(125, 11).Fill(0xFF);
        }
        byte[] archive = new RawTar().Header(B("f"), '0', 0, tamper: Base256).ToArray();
        Assert.Contains("64 bits", Refused<TarFormatException>(archive).Message);
    }

    [Fact]
    public void A_bad_checksum_is_refused()
    {
        byte[] archive = new RawTar().File(B("f"), "x").ToArray();
        archive[0] ^= 1;
        Assert.Contains("checksum", Refused<TarFormatException>(archive).Message);
    }

    [Fact]
    public void Malformed_pax_records_are_refused()
    {
        byte[] records = "99 path=x\n"u8.ToArray();
        byte[] archive = new RawTar().Header(B("h"), 'x', records.Length).Data(records).File(B("f"), "")
            .ToArray();
        Assert.Contains("pax", Refused<TarFormatException>(archive).Message);
    }

    [Fact]
    public void A_truncated_archive_is_refused()
    {
        byte[] archive = new RawTar().File(B("f"), new string('x', 2000)).ToArray(end: false);
        Refused<TarFormatException>(archive[..700]);
        Refused<TarFormatException>(archive[..300]);
    }
}
