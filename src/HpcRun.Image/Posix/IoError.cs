namespace HpcRun.Image.Posix;

/// <summary>Why a .NET file operation failed, in strerror(3)'s words ("permission denied", "not a directory", "no
/// space left on device"), for messages that name the file themselves: .NET's own text ("Access to the path '...'
/// is denied.", "Could not find a part of the path '...'.") is not for users.</summary>
public static class IoError
{
    /// <summary>The reason <paramref name="e"/> stands for: its errno where .NET kept one (an
    /// <see cref="IOException"/>'s HResult on Linux), else what its type says.</summary>
    public static string Describe(Exception e)
    {
        string why = e switch
        {
            PosixException p => Libc.Describe(p.Errno),
            UnauthorizedAccessException => Libc.Describe(Libc.EACCES),
            FileNotFoundException or DirectoryNotFoundException => Libc.Describe(Libc.ENOENT),
            PathTooLongException => Libc.Describe(Libc.ENAMETOOLONG),
            IOException { HResult: > 0 and < 4096 } io => Libc.Describe(io.HResult),
            _ => "input/output error",
        };
        return why.Length > 0 ? char.ToLowerInvariant(why[0]) + why[1..] : why;
    }
}
