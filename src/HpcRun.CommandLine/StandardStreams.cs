using System.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.CommandLine;

/// <summary>
/// Console.Out and Console.Error as plain UTF-8 writers on file descriptors 1 and 2. .NET's own console
/// streams set the terminal up at their first write on Unix (terminfo's keypad_xmit, "\e[?1h\e=" with
/// TERM=xterm, which stays on after hpcrun exits): hpcrun writes lines, and leaves the terminal as it was.
/// A write to a closed pipe is dropped, as .NET's console drops it (`hpcrun inspect IMG | head -1`).
/// </summary>
public static class StandardStreams
{
    /// <summary>Replaces Console.Out and Console.Error; nothing is opened before the first write.</summary>
    public static void Install()
    {
        Console.SetOut(new DescriptorWriter(1));
        Console.SetError(new DescriptorWriter(2));
    }

    private sealed class DescriptorWriter(int descriptor) : TextWriter
    {
        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
        private readonly Lazy<Stream> stream = new(() =>
            new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0));

        public override Encoding Encoding => Utf8;

        public override void Write(char value) => Write([value]);

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(string? value) => Write(value.AsSpan());

        /// <summary>The line and its newline in one write(2), so that lines of ranks sharing a terminal stay
        /// whole.</summary>
        public override void WriteLine(string? value) => Write(string.Concat(value, NewLine));

        public override void WriteLine(ReadOnlySpan<char> buffer) => Write(string.Concat(buffer, NewLine));

        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (buffer.IsEmpty) return;
            try { stream.Value.Write(Utf8.GetBytes(buffer.ToArray())); }
            catch (IOException) { } // the reader went away (EPIPE) or the descriptor is closed
            catch (UnauthorizedAccessException) { } // the descriptor is not open for writing
        }
    }
}
