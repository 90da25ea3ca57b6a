using System.Buffers.Binary;
using HpcRun.Image.Sif;

namespace HpcRun.Image.Tests;

/// <summary>Broken SIF files are refused with <see cref="ImageFormatException"/>, never anything else.</summary>
public class SifCorruptionTests
{
    private static readonly byte[] twoGroups = File.ReadAllBytes(SifTestData.File("two-groups.sif"));
    private const int DescriptorTable = 4096;

    private static ImageFormatException Refused(byte[] bytes) =>
        Assert.Throws<ImageFormatException>(() => SifFile.Read(new MemoryStream(bytes)));

    private static byte[] With(Action<byte[]> change)
    {
        var copy = (byte[])twoGroups.Clone();
        change(copy);
        return copy;
    }

    private static void SetInt64(byte[] b, int at, long value) =>
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(at), value);

    [Fact]
    public void Bad_magic() => Assert.Contains("magic", Refused(With(b => b[32] = (byte)'X')).Message);

    [Fact]
    public void Bad_version() => Assert.Contains("version", Refused(With(b => b[43] = (byte)'9')).Message);

    [Fact]
    public void Truncated_header() => Refused(twoGroups[..100]);

    [Fact]
    public void Descriptor_table_beyond_the_end() =>
        Assert.Contains("outside the file", Refused(twoGroups[..20000]).Message);

    [Fact]
    public void Absurd_descriptor_count() =>
        Assert.Contains("descriptors", Refused(With(b => SetInt64(b, 88, long.MaxValue / 2))).Message);

    [Fact]
    public void Object_beyond_the_end_of_the_file() =>
        Assert.Contains("outside",
            Refused(With(b => SetInt64(b, DescriptorTable + 2 * SifDescriptor.EncodedSize + 25, 1L << 40))).Message);

    [Fact]
    public void Overlapping_objects() =>
        Assert.Contains("overlap",
            Refused(With(b => SetInt64(b, DescriptorTable + 1 * SifDescriptor.EncodedSize + 17, 32768))).Message);

    [Fact]
    public void Repeated_object_ids() =>
        Assert.Contains("repeated", Refused(With(b => b[DescriptorTable + SifDescriptor.EncodedSize + 5] = 1)).Message);

    /// <summary>Thousands of mutated headers and descriptor tables: each is read or refused with the format
    /// error, through everything `hpcrun IMAGE` does before mounting (seeded, so failures replay).</summary>
    [Fact]
    public void Mutated_files_are_read_or_refused_with_the_format_error()
    {
        var random = new Random(20261127);
        long[] interesting = [0, 1, -1, 4095, 4096, 32176, 32768, twoGroups.Length, twoGroups.Length + 1,
            int.MaxValue, long.MaxValue, long.MinValue];
        int refused = 0;
        for (int i = 0; i < 5000; i++)
        {
            byte[] bytes = With(b =>
            {
                for (int m = random.Next(1, 4); m > 0; m--)
                {
                    int at = random.Next(2) == 0 ? random.Next(32, SifHeader.Size - 8)
                        : DescriptorTable + random.Next(4) * SifDescriptor.EncodedSize + random.Next(0, 201);
                    if (random.Next(2) == 0) SetInt64(b, at, interesting[random.Next(interesting.Length)]);
                    else b[at] = (byte)random.Next(256);
                }
            });
            if (random.Next(10) == 0) bytes = bytes[..random.Next(bytes.Length)];
            try { ImageSource.ProbeSif("fuzz.sif", new MemoryStream(bytes)); }
            catch (ImageFormatException) { refused++; }
        }
        Assert.InRange(refused, 1, 4999); // both outcomes were exercised
    }
}
