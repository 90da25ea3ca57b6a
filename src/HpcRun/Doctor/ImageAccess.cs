using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Doctor;

/// <summary>What stops a launch before it reads an image's bytes, said in the launch's words (ImageArgument), with the
/// fix that is about that: a path when nothing or no image file is there, permissions when the user may not read it
/// or reach it. Rebuilding or downloading again fixes neither; it is the advice for bytes that are wrong.</summary>
internal static class ImageAccess
{
    public const string GiveAnImage = "give the path of a SquashFS or SIF file, or a directory";

    /// <summary>The failed check of <paramref name="image"/> (check <paramref name="name"/>) when it is not there, is
    /// neither a directory nor a regular file (a FIFO, a device), or the user may not read it (a directory: list and
    /// enter it) or reach it; null when it may be read.</summary>
    public static CheckResult? Refusal(string name, string image)
    {
        // Doctor's namespace lets the user through their own closed directories, which stop them outside it.
        if (PosixFile.ClosedDirectoryAbove(image) is { } closed) return Unreachable(name, image, closed);
        int fd = Libc.TryOpen(image, Libc.O_PATH | Libc.O_CLOEXEC, out int errno);
        if (fd < 0)
            return errno == Libc.EACCES
                ? CheckResult.Fail(name, $"image not readable: {image}: a directory on its path cannot be entered",
                    "ask the owner of the directories above it to let you search them (chmod a+x), or use a copy " +
                    "where you can read it")
                : CheckResult.Fail(name, $"{image} not found", GiveAnImage);
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Libc.Statx? stat = Libc.StatFollowing(handle, "");
        return stat?.Type switch
        {
            Libc.S_IFDIR when !PosixFile.CanEnter(image) => Unreadable(name, image, stat.Value, "rx"),
            Libc.S_IFREG when Libc.Access(image, Libc.R_OK) != 0 => Unreadable(name, image, stat.Value, "r"),
            Libc.S_IFDIR or Libc.S_IFREG => null,
            _ => CheckResult.Fail(name, $"{image}: not an image: neither a directory nor a SquashFS or SIF file",
                GiveAnImage),
        };
    }

    /// <summary>An image behind <paramref name="closed"/>, a directory the user may not search, in the launch's words
    /// (ImageArgument): the chmod that lets them, theirs to run when the directory is theirs.</summary>
    private static CheckResult Unreachable(string name, string image, string closed)
    {
        string quoted = ShellWords.Quote(closed);
        string fix = Libc.StatFollowing(Libc.Cwd, closed)?.Uid == Libc.EffectiveUidNow() ? $"chmod u+x {quoted}"
            : $"ask its owner to let you search it (chmod a+x {quoted}), or use a copy where you can read it";
        return CheckResult.Fail(name, $"image not readable: {image}: the directory {closed} on its path cannot be " +
            "entered", fix);
    }

    /// <summary>An image the user may not read: the chmod that lets them (<paramref name="bits"/>: r for a file, rx
    /// for a directory), theirs to run when it is theirs, its owner's otherwise (not named: doctor looks from its
    /// user namespace, where another user's files are the overflow id's, "nobody").</summary>
    private static CheckResult Unreadable(string name, string image, Libc.Statx stat, string bits)
    {
        string quoted = ShellWords.Quote(image);
        string fix = stat.Uid == Libc.EffectiveUidNow() ? $"chmod u+{bits} {quoted}"
            : $"ask its owner to let you read it (chmod a+{bits} {quoted}), or use a copy you can read";
        return CheckResult.Fail(name, $"image not readable: {image}: permission denied", fix);
    }
}
