namespace HpcRun.Image.Text;

/// <summary>A size for people, in binary units with one decimal (IEC 80000-13: KiB, MiB, GiB).</summary>
public static class ByteSize
{
    /// <param name="bytes">A size in bytes, not negative.</param>
    public static string Text(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
