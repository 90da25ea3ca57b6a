using System.Text;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>
/// Console.Out and Console.Error as plain UTF-8 writers on file descriptors 1 and 2. .NET's own console
/// streams set the terminal up at their first write on Unix (terminfo's keypad_xmit, "\e[?1h\e=" with
/// TERM=xterm, which stays on after hpcrun exits): hpcrun writes lines, and leaves the terminal as it was.
/// A write to a closed pipe is dropped, as .NET's console drops it (`hpcrun inspect IMG | head -1`); another failure
/// of a write to stdout (a full disk, /dev/full, EIO) is kept in <see cref="OutputFailure"/>, so that the verb's
/// output is not taken for whole (as cat(1) fails). Writes go at the descriptor's offset, shared with whatever else
/// writes to a redirected file.
/// </summary>
public static class StandardStreams
{
    /// <summary>Why a write of hpcrun's own to stdout failed, in strerror(3)'s words ("no space left on device");
    /// null while none has (a closed pipe is no failure).</summary>
    public static string? OutputFailure { get; private set; }

    /// <summary>The status for a run whose verb ended with <paramref name="status"/>: 84
    /// (<see cref="ExitCode.OutputUnwritable"/>), with its one line on stderr, when a write to stdout failed
    /// (<see cref="OutputFailure"/>), else <paramref name="status"/>. Both binaries' command lines end here.</summary>
    public static int Checked(int status)
    {
        if (OutputFailure is null) return status;
        Console.Error.WriteLine($"hpcrun: cannot write to standard output: {OutputFailure}");
        return (int)ExitCode.OutputUnwritable;
    }

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

        /// <summary>write(2) at the descriptor's shared offset; an error drops the text, and one on stdout but
        /// EPIPE (the reader went away) is kept as <see cref="OutputFailure"/>.</summary>
        public override void Write(ReadOnlySpan<char> buffer)
        {
            if (buffer.IsEmpty) return;
            // Stdout writes the image's bytes as they are (inspect's runscript, run-help's text: RawText), as Apptainer
            // does; stderr's messages come through Shown.Visible, which leaves no byte to restore.
            byte[] bytes = descriptor == 1 ? RawText.Encode(new string(buffer)) : Utf8.GetBytes(buffer.ToArray());
            if (Libc.WriteAll(descriptor, bytes)) return;
            int errno = Libc.Errno;
            if (descriptor == 1 && errno != Libc.EPIPE) OutputFailure ??= IoError.Describe(errno);
        }
    }
}
