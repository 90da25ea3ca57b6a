using System.Buffers.Binary;
using System.Text;

namespace HpcRun.Image.Sif;

/// <summary>The 128-byte global header at the start of a SIF file (little-endian, packed).</summary>
public sealed record SifHeader
{
    public const int Size = 128;
    public const string Magic = "SIF_MAGIC";
    public const string CurrentVersion = "01";
    public const string DefaultLaunchScript = "#!/usr/bin/env run-singularity\n";

    public string LaunchScript { get; init; } = "";
    public string Version { get; init; } = CurrentVersion;
    /// <summary>Two-character code (<see cref="SifArch"/>); "00" when the file has no partition.</summary>
    public string Arch { get; init; } = "00";
    public Guid Id { get; init; }
    public long CreatedAt { get; init; }
    public long ModifiedAt { get; init; }
    public long DescriptorsFree { get; init; }
    public long DescriptorsTotal { get; init; }
    public long DescriptorsOffset { get; init; }
    public long DescriptorsSize { get; init; }
    public long DataOffset { get; init; }
    public long DataSize { get; init; }

    public static SifHeader Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < Size) throw new ImageFormatException("truncated SIF header");
        if (SifText.Read(b.Slice(32, 10)) != Magic) throw new ImageFormatException("not a SIF file (bad magic)");
        string version = SifText.Read(b.Slice(42, 3));
        if (version != CurrentVersion)
            throw new ImageFormatException($"unsupported SIF version '{version}' (need {CurrentVersion})");
        return new SifHeader
        {
            LaunchScript = SifText.Read(b[..32]),
            Version = version,
            Arch = SifText.Read(b.Slice(45, 3)),
            Id = new Guid(b.Slice(48, 16), bigEndian: true),
            CreatedAt = Int64(b, 64),
            ModifiedAt = Int64(b, 72),
            DescriptorsFree = Int64(b, 80),
            DescriptorsTotal = Int64(b, 88),
            DescriptorsOffset = Int64(b, 96),
            DescriptorsSize = Int64(b, 104),
            DataOffset = Int64(b, 112),
            DataSize = Int64(b, 120),
        };
    }

    public void Write(Span<byte> b)
    {
        b[..Size].Clear();
        SifText.Write(b[..32], LaunchScript);
        SifText.Write(b.Slice(32, 10), Magic);
        SifText.Write(b.Slice(42, 3), Version);
        SifText.Write(b.Slice(45, 3), Arch);
        Id.TryWriteBytes(b.Slice(48, 16), bigEndian: true, out _);
        long[] fields = [CreatedAt, ModifiedAt, DescriptorsFree, DescriptorsTotal, DescriptorsOffset, DescriptorsSize,
            DataOffset, DataSize];
        for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b[(64 + 8 * i)..], fields[i]);
    }

    private static long Int64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadInt64LittleEndian(b[at..]);
}

/// <summary>SIF's fixed-size, NUL-padded text fields and Unix-second timestamps.</summary>
public static class SifText
{
    /// <summary>Go's zero time, which the reference library writes for "no time".</summary>
    public const long Unset = -62135596800;

    public static string Read(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>Writes <paramref name="text"/> NUL-terminated; it must leave room for the NUL.</summary>
    public static void Write(Span<byte> field, string text)
    {
        field.Clear();
        if (Encoding.UTF8.GetByteCount(text) >= field.Length)
            throw new ArgumentException($"'{text}' does not fit a {field.Length}-byte SIF field");
        Encoding.UTF8.GetBytes(text, field);
    }

    /// <summary>A SIF timestamp as a date; null for Go's zero time (unset) and values out of range.</summary>
    public static DateTimeOffset? Date(long unixSeconds) =>
        unixSeconds > DateTimeOffset.MinValue.ToUnixTimeSeconds()
            && unixSeconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds) : null;
}
