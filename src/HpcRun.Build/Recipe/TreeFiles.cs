using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// The files hpcrun itself reads and writes in a build's tree, between the steps: %post's environment file and
/// $APPTAINER_LABELS, the base image's config, the apt setting a RUN gets. The tree is a plain directory on the host
/// whose symlinks the base image and every RUN may have made, so each path here is resolved inside it
/// (<see cref="RootDir"/>, as the container resolves it), never through the host's file system: a
/// `/.build.labels -> /proc/self/environ` or `/.singularity.d/env -> /home/USER` of a base image leads to the tree's
/// own files, not to the build's secrets or the user's home.
/// </summary>
internal static class TreeFiles
{
    /// <summary>The text of the regular file <paramref name="path"/> in <paramref name="tree"/> (bytes that are not
    /// UTF-8 kept, <see cref="RawText"/>), symlinks resolved inside it; null when there is none (missing, a
    /// directory, a device, a symlink that leads nowhere in it).</summary>
    public static string? ReadText(string tree, string path)
    {
        using RootDir root = Open(tree);
        return ReadText(root, path);
    }

    /// <inheritdoc cref="ReadText(string, string)"/>
    public static string? ReadText(RootDir root, string path)
    {
        using Location? at = root.Resolve(path, RootDir.Follow.All);
        if (at?.Stat() is not { Type: S_IFREG }) return null;
        using Stream file = SourceTree.ReadRegular(at.Directory, path);
        using var bytes = new MemoryStream();
        file.CopyTo(bytes);
        return RawText.Decode(bytes.ToArray()); // lossless: a base's Latin-1 %help goes back as its bytes
    }

    /// <summary>Whether <paramref name="path"/> in <paramref name="tree"/> is a directory, symlinks resolved inside
    /// it.</summary>
    public static bool IsDirectory(string tree, string path)
    {
        using RootDir root = Open(tree);
        using Location? at = root.Resolve(path, RootDir.Follow.All);
        return at?.Stat() is { Type: S_IFDIR };
    }

    /// <summary>Makes the file <paramref name="path"/> in <paramref name="tree"/> with <paramref name="text"/> and
    /// <paramref name="mode"/>, its directory found inside the tree and made there when missing (along a symlink
    /// that leads nowhere in the tree too, as the container would see it); false, and nothing written, when
    /// something is there already (a dangling symlink too: O_EXCL follows none). Throws
    /// <see cref="PosixException"/> when the file system refuses.</summary>
    public static bool CreateNew(string tree, string path, string text, uint mode)
    {
        using RootDir root = Open(tree);
        using Location? at = root.Resolve(path, RootDir.Follow.Parents, created: _ => { });
        if (at is not { Name.Length: > 0 }) return false;
        SafeFileHandle fd = Libc.Open(at.Directory, at.Name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
        if (fd.IsInvalid && Errno == EEXIST) return false;
        if (fd.IsInvalid) throw PosixException.Last($"cannot write {path} in the build's tree");
        using var file = new FileStream(fd, FileAccess.Write, 0); // owns fd
        file.Write(RawText.Encode(text));
        if (Fchmod(fd, mode) != 0) throw PosixException.Last($"cannot set the mode of {path} in the build's tree");
        return true;
    }

    /// <summary>Removes the file <paramref name="path"/> of <paramref name="tree"/> (what <see cref="CreateNew"/>
    /// made), its directory found inside the tree; nothing when it is gone.</summary>
    public static void Remove(string tree, string path)
    {
        using RootDir root = Open(tree);
        using Location? at = root.Resolve(path, RootDir.Follow.Parents);
        if (at is { Name.Length: > 0 }) UnlinkAt(at.Directory, at.Name, 0);
    }

    /// <summary>The build's <paramref name="tree"/>, to resolve paths in. Throws <see cref="PosixException"/> when it
    /// cannot be opened.</summary>
    public static RootDir Open(string tree) =>
        RootDir.Open(Cwd, tree) ?? throw PosixException.Last("cannot open the build's tree");
}
