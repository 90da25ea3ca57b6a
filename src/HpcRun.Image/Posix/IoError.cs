using HpcRun.Image.Text;

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
            FileNotFoundException or DirectoryNotFoundException when PathOf(e) is { } path && UnderAFile(path) =>
                Libc.Describe(Libc.ENOTDIR),
            FileNotFoundException or DirectoryNotFoundException => Libc.Describe(Libc.ENOENT),
            PathTooLongException => Libc.Describe(Libc.ENAMETOOLONG),
            IOException { HResult: > 0 and < 4096 } io => Libc.Describe(io.HResult),
            _ => "input/output error",
        };
        return Lower(why);
    }

    /// <summary>Whether a directory of <paramref name="path"/> is a file: what ENOTDIR means, which .NET reports as
    /// a missing directory (DirectoryNotFoundException) and keeps no errno for. Looks from the path's parent up to
    /// the first that exists.</summary>
    private static bool UnderAFile(string path)
    {
        for (string? up = Path.GetDirectoryName(path.TrimEnd('/')); !string.IsNullOrEmpty(up);
             up = Path.GetDirectoryName(up))
        {
            if (Directory.Exists(up)) return false;
            if (File.Exists(up)) return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="e"/> says that a file system is full or the user's quota on it spent
    /// (ENOSPC, EDQUOT): one condition, whatever wrote.</summary>
    public static bool IsFull(Exception e) =>
        (e switch { PosixException p => p.Errno, IOException io => io.HResult, _ => 0 }) is Libc.ENOSPC or Libc.EDQUOT;

    /// <summary>strerror(3)'s words for <paramref name="errno"/>, as <see cref="Describe(Exception)"/> gives
    /// them.</summary>
    public static string Describe(int errno) => Lower(Libc.Describe(errno));

    private static string Lower(string why) => why.Length > 0 ? char.ToLowerInvariant(why[0]) + why[1..] : why;

    /// <summary>The line for <paramref name="e"/> where nothing else names the file: the path it concerns, shown,
    /// and <see cref="Describe(Exception)"/>'s words ("/x/y: no such file or directory"), or those words alone
    /// where .NET did not say which path; the exceptions hpcrun wrote (<see cref="PosixException"/>,
    /// <see cref="MissingFileException"/>) as they are.</summary>
    public static string Message(Exception e) => e switch
    {
        PosixException or MissingFileException => e.Message,
        // .NET throws UnauthorizedAccessException for a directory opened as a file too: "permission denied" would
        // send the user to its mode
        UnauthorizedAccessException when PathOf(e) is { } path && Directory.Exists(path) =>
            $"{Shown.Path(path)}: {Describe(Libc.EISDIR)}",
        _ => PathOf(e) is { } path ? $"{Shown.Path(path)}: {Describe(e)}" : Describe(e),
    };

    /// <summary>The absolute path .NET's exception <paramref name="e"/> failed on, where it says one: a
    /// FileNotFoundException's FileName, else the one its text quotes. .NET keeps the path of an
    /// UnauthorizedAccessException or DirectoryNotFoundException in no property, only between the quotes of its
    /// text ("Access to the path '/x' is denied.", "No space left on device : '/x'"); the first and last quote
    /// bound it, whatever quotes the path itself holds, and only an absolute path counts, so that other quoted
    /// words are not taken for one.</summary>
    public static string? PathOf(Exception e)
    {
        if (e is FileNotFoundException { FileName: { Length: > 0 } file }) return file;
        int first = e.Message.IndexOf('\''), last = e.Message.LastIndexOf('\'');
        return last > first + 1 && e.Message[first + 1] == '/' ? e.Message[(first + 1)..last] : null;
    }
}
