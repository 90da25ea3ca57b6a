using System.Text;
using HpcRun.Image.Text;

namespace HpcRun.Build.Tar;

/// <summary>pax extended header records, "LENGTH KEY=VALUE\n" (pax(1)); values keep their bytes.</summary>
internal static class PaxRecords
{
    public static Dictionary<string, string> Parse(byte[] data, long at)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int start = 0; start < data.Length && data[start] != 0;)
        {
            ReadOnlySpan<byte> rest = data.AsSpan(start);
            int space = rest.IndexOf((byte)' ');
            if (space is <= 0 or > 9 || !int.TryParse(rest[..space], out int length) || length <= space + 2
                || length > rest.Length || rest[length - 1] != '\n')
                throw new TarFormatException($"tar entry at byte {at}: malformed pax record");
            ReadOnlySpan<byte> record = rest[(space + 1)..(length - 1)];
            int equals = record.IndexOf((byte)'=');
            if (equals <= 0) throw new TarFormatException($"tar entry at byte {at}: malformed pax record");
            string key = Encoding.UTF8.GetString(record[..equals]);
            if (equals + 1 == record.Length) records.Remove(key); // an empty value undoes the key
            else records[key] = RawText.Decode(record[(equals + 1)..]);
            start += length;
        }
        return records;
    }

    /// <summary>A non-negative decimal pax number (size, uid, gid) of at most 18 digits.</summary>
    public static long Integer(string value, long at, string what) =>
        value.Length is > 0 and <= 18 && value.All(char.IsAsciiDigit) ? long.Parse(value)
            : throw new TarFormatException(
                $"tar entry at byte {at}: pax {what} '{Shown.Path(Cut(value))}' is not a number of 64 bits");

    /// <summary>A pax time: seconds since 1970 (maybe negative), optionally with a fraction.</summary>
    public static (long Seconds, long Nanoseconds) Time(string value, long at)
    {
        string[] parts = value.Split('.', 2);
        bool negative = parts[0].StartsWith('-');
        long seconds = Integer(negative ? parts[0][1..] : parts[0], at, "mtime");
        string fraction = parts.Length == 2 ? parts[1] : "";
        if (!fraction.All(char.IsAsciiDigit))
            throw new TarFormatException($"tar entry at byte {at}: pax mtime is not a time");
        long nanoseconds = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(9, '0')[..9]);
        if (!negative) return (seconds, nanoseconds);
        return nanoseconds == 0 ? (-seconds, 0) : (-seconds - 1, 1_000_000_000 - nanoseconds); // -1.5 is -2 + 0.5
    }

    private static string Cut(string value) => value.Length > 40 ? value[..40] + "..." : value;
}
