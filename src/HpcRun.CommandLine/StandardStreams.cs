using System.Text;
using HpcRun.Image.Posix;

namespace HpcRun.CommandLine;

/// <summary>
/// Console.Out and Console.Error as plain UTF-8 writers on file descriptors 1 and 2. .NET's own console
/// streams set the terminal up at their first write on Unix (terminfo's keypad_xmit, "\e[?1h\e=" with
/// TERM=xterm, which stays on after hpcrun exits): hpcrun writes lines, and leaves the terminal as it was.
/// A write to a closed pipe is dropped, as .NET's console drops it (`hpcrun inspect IMG | head -1`); writes go
/// at the descriptor's offset, shared with whatever else writes to a redirected file.
/// </summary>
public static class StandardStreams
{
    /// <summary>Replaces Console.Out and Console.Error; nothing is written before the first write.</summary>
    public static void Install()
    {
        Console.SetOut(new DescriptorWriter(1));
        Console.SetError(new DescriptorWriter(2));
    }

    private sealed class DescriptorWriter(int descriptor) : TextWriter
    {
        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

        public override Encoding Encoding => Utf8;

        public override void Write(char value) => Write([value]);

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(string? value) => Write(value.AsSpan());

        /// <summary>The line and its newline in one write(2), so that lines of ranks sharing a terminal stay
        /// whole.</summary>
        public override void WriteLine(string? value) => Write(string.Concat(value, NewLine));

        public override void WriteLine(ReadOnlySpan<char> buffer) => Write(string.Concat(buffer, NewLine));

        /// <summary>write(2) at the descriptor's shared offset; an error (the reader went away, EPIPE; a closed
        /// descriptor) drops the text.</summary>
        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (!buffer.IsEmpty) Libc.WriteAll(descriptor, Utf8.GetBytes(buffer.ToArray()));
        }
    }
}
