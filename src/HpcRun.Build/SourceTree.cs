using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// The directory of an OCI layout or a `docker save` archive (the user's, or one unpacked from a tar), read
/// as untrusted input: every name in it (index.json, a manifest's layer, a blob) resolves inside it, symlinks
/// included (<see cref="RootDir"/>), and must be a regular file, so that a layout cannot have the build read a
/// host file, /dev/zero or a FIFO. Files are opened as O_PATH first (which opens no device and waits on no
/// FIFO) and read only once they are known to be regular; JSON is read whole only up to <see cref="MaxJson"/>.
/// </summary>
internal sealed class SourceTree(RootDir root) : IDisposable
{
    /// <summary>The most a JSON file (index, manifest, config) may hold: 8 MiB.</summary>
    public const int MaxJson = 8 << 20;

    public RootDir Root => root;

    public bool HasFile(string path) => Kind(path, RootDir.Follow.All) == S_IFREG;

    public bool HasDirectory(string path) => Kind(path, RootDir.Follow.All) == S_IFDIR;

    /// <summary>Whether <paramref name="path"/> names anything at all, a dangling symlink included.</summary>
    public bool Exists(string path) => Kind(path, RootDir.Follow.Parents) != 0;

    /// <summary>Opens the regular file <paramref name="path"/> for reading. Throws <see cref="ImageFormatException"/>
    /// when it is missing or not a regular file, <see cref="ImageBuildException"/> when it cannot be read.</summary>
    public FileStream OpenFile(string path)
    {
        using Location at = root.Resolve(path, RootDir.Follow.All) // the file itself, open with O_PATH
            ?? throw Missing(path);
        return ReadRegular(at.Directory, Shown.Path(path), "in the image ");
    }

    /// <summary>Why <paramref name="path"/> leads to no file: missing, or a symlink (a blob a tool links to a shared
    /// store) whose target is not in the tree, read as inside it: said with its target, not as missing, since the
    /// user sees a name there.</summary>
    private ImageFormatException Missing(string path)
    {
        using Location? at = root.Resolve(path, RootDir.Follow.Parents);
        return at?.Stat() is { Type: S_IFLNK } && ReadLink(at.Directory, at.Name) is { } target
            ? new ImageFormatException($"{Shown.Path(path)} is a symbolic link to {Shown.Path(target)}, which " +
                "leads to no file inside the image: its files must be in it (a link is read inside it)")
            : new ImageFormatException($"{Shown.Path(path)} is missing from the image");
    }

    /// <summary>Opens the file <paramref name="pinned"/> (an O_PATH descriptor) for reading, once it is known to be a
    /// regular file: the very file checked, reopened through /proc/self/fd, whatever its name points to now.</summary>
    public static FileStream ReadRegular(SafeFileHandle pinned, string shownName, string where = "")
    {
        if (Stat(pinned, "") is not { Type: S_IFREG })
            throw new ImageFormatException($"{shownName} {where}is not a regular file");
        SafeFileHandle fd = Open(Cwd, $"/proc/self/fd/{pinned.DangerousGetHandle()}", O_RDONLY);
        if (fd.IsInvalid && Errno == EACCES) throw ImageBuildException.Unreadable(shownName);
        if (fd.IsInvalid) throw PosixException.Last($"cannot read {shownName}");
        return new FileStream(fd, FileAccess.Read, 1 << 16);
    }

    /// <summary>The bytes of the regular file <paramref name="path"/>, at most <see cref="MaxJson"/>.</summary>
    public byte[] ReadSmall(string path)
    {
        using FileStream file = OpenFile(path);
        if (file.Length > MaxJson)
            throw new ImageFormatException(
                $"{Shown.Path(path)} is {file.Length} bytes, more than the {MaxJson} a JSON file may hold");
        byte[] bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The layer tar <paramref name="path"/>, checked to be a regular file now and opened again when it
    /// is applied.</summary>
    public LayerBlob Layer(string path, string? digest, string? diffId, string name)
    {
        long length;
        using (FileStream probe = OpenFile(path)) length = probe.Length;
        return new LayerBlob(() => OpenFile(path), length, digest, diffId, name);
    }

    public void Dispose() => root.Dispose();

    private uint Kind(string path, RootDir.Follow follow)
    {
        using Location? at = root.Resolve(path, follow);
        return at?.Stat()?.Type ?? 0;
    }
}
