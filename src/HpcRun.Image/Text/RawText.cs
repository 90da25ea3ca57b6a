using System.Buffers;
using System.Runtime.InteropServices.Marshalling;
using System.Text;

namespace HpcRun.Image.Text;

/// <summary>
/// Unix paths, argv and environment values are bytes, not text. .NET strings carry them here
/// with PEP 383's "surrogateescape": valid UTF-8 decodes as usual, and each byte of an invalid
/// sequence becomes the lone surrogate U+DC00+byte (U+DC80..U+DCFF), which no valid UTF-8
/// produces; <see cref="Encode"/> turns them back into the same bytes. So a file named
/// <c>caf\xe9.txt</c> (Latin-1) passes through hpcrun exactly, where .NET's own UTF-8 marshalling
/// would write U+FFFD.
/// </summary>
public static class RawText
{
    private const char EscapeBase = '\uDC00';

    /// <summary>The string for <paramref name="bytes"/> (no NUL expected); lossless.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out Rune rune, out int used) == OperationStatus.Done)
            {
                text.Append(rune.ToString());
                bytes = bytes[used..];
                continue;
            }
            text.Append((char)(EscapeBase + bytes[0]));
            bytes = bytes[1..];
        }
        return text.ToString();
    }

    /// <summary>The bytes <paramref name="text"/> stands for: UTF-8, with escaped bytes restored.
    /// A lone surrogate that is not an escape (none comes from <see cref="Decode"/>) becomes U+FFFD.</summary>
    public static byte[] Encode(string text)
    {
        if (!HasEscapes(text)) return Encoding.UTF8.GetBytes(text);
        var bytes = new List<byte>(text.Length + 8);
        Span<byte> buffer = stackalloc byte[4];
        ReadOnlySpan<char> rest = text;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out Rune rune, out int used) != OperationStatus.Done && IsEscape(rest[0]))
            {
                bytes.Add((byte)(rest[0] - EscapeBase));
                rest = rest[1..];
                continue;
            }
            int n = rune.EncodeToUtf8(buffer);
            foreach (byte b in buffer[..n]) bytes.Add(b);
            rest = rest[used..];
        }
        return [.. bytes];
    }

    /// <summary><paramref name="text"/> with each byte that is not UTF-8 as U+FFFD: what Go's encoding/json writes
    /// for it (Apptainer's --json), and all a JSON string can hold.</summary>
    public static string Lossy(string text) => HasEscapes(text)
        ? string.Create(text.Length, text, (chars, from) =>
        {
            for (int i = 0; i < from.Length; i++) chars[i] = IsEscape(from[i]) ? '\uFFFD' : from[i];
        })
        : text;

    /// <summary>Whether <paramref name="text"/> carries bytes that are not UTF-8.</summary>
    public static bool HasEscapes(string text) => text.AsSpan().IndexOfAnyInRange('\uDC80', '\uDCFF') >= 0;

    private static bool IsEscape(char c) => c is >= '\uDC80' and <= '\uDCFF';

    /// <summary>Marshals a string argument of a LibraryImport as <see cref="Encode"/>'s bytes,
    /// NUL-terminated: use instead of StringMarshalling.Utf8 for paths, argv and environment.</summary>
    [CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedIn, typeof(Marshaller))]
    public static unsafe class Marshaller
    {
        public static byte* ConvertToUnmanaged(string? text)
        {
            if (text is null) return null;
            return ToNative(text);
        }

        public static void Free(byte* native) => System.Runtime.InteropServices.NativeMemory.Free(native);
    }

    /// <summary>A NUL-terminated copy in native memory (free with NativeMemory.Free).</summary>
    public static unsafe byte* ToNative(string text)
    {
        byte[] bytes = Encode(text);
        byte* native = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(native, bytes.Length));
        native[bytes.Length] = 0;
        return native;
    }

    /// <summary>The string for a NUL-terminated native byte string.</summary>
    public static unsafe string FromNative(byte* native) =>
        Decode(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(native));
}
