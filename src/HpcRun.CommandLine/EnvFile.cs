using System.Runtime.InteropServices;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>An --env-file as `hpcrun run` reads it on the node and `hpcrun submit` on the submit host.</summary>
public static class EnvFile
{
    private const int Limit = 1 << 20;

    /// <summary>The file's text, its bytes kept (<see cref="RawText"/>); at most 1 MiB. A pipe
    /// (`--env-file &lt;(...)`) is read to its end.</summary>
    /// <exception cref="HpcRunException">73 (<see cref="ExitCode.BadEnvironmentFile"/>) when it cannot be opened or
    /// is not a file.</exception>
    public static string Read(string file)
    {
        int fd = Libc.TryOpen(file, Libc.O_RDONLY | Libc.O_CLOEXEC, out int errno);
        if (fd < 0) throw Unreadable(Marshal.GetPInvokeErrorMessage(errno));
        return Libc.ReadAll(fd, Limit) is { } bytes ? RawText.Decode(bytes) : throw Unreadable("not a regular file");

        HpcRunException Unreadable(string why) =>
            new(ExitCode.BadEnvironmentFile, $"cannot read env file {file}: {why}");
    }
}
