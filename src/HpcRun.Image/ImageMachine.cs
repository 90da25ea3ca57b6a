using HpcRun.HostLibraries;
using HpcRun.Image.Inspect;
using HpcRun.Image.Posix;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Image;

/// <summary>
/// Which CPU an image's programs are for: the ELF header of the first of the programs every runnable image has
/// (<see cref="Probes"/>) that is one. `hpcrun doctor` checks a directory image by it, and a build refuses by it to
/// record an image as built for another platform than its programs are.
/// </summary>
public static class ImageMachine
{
    /// <summary>Programs every runnable image has, one of which tells its architecture.</summary>
    public static readonly string[] Probes = ["/bin/sh", "/usr/bin/sh", "/bin/busybox", "/usr/bin/env"];

    /// <summary>The first of <see cref="Probes"/> that is an ELF file in the image directory
    /// <paramref name="root"/>, its symlinks resolved inside it (<see cref="RootDir"/>), and its header; null when
    /// none is.</summary>
    public static (string Probe, ElfHeader Elf)? InDirectory(string root) =>
        ProgramIn(root) is { } found ? (found.Probe, found.Elf) : null;

    /// <summary>Bytes of a program's start that <see cref="ProgramIn"/> keeps: what binfmt_misc matches a handler's
    /// offset and magic against (at most 128 bytes, the kernel's limit).</summary>
    public const int StartSize = 128;

    /// <summary>As <see cref="InDirectory"/>, with the program's first <see cref="StartSize"/> bytes (fewer for a
    /// shorter file), which tell whether a binfmt_misc handler would run it.</summary>
    public static (string Probe, ElfHeader Elf, byte[] Start)? ProgramIn(string root)
    {
        using RootDir? tree = RootDir.Open(Libc.Cwd, root);
        if (tree is null) return null;
        var start = new byte[StartSize];
        foreach (string probe in Probes)
        {
            using SafeFileHandle fd = tree.Open(probe, Libc.O_RDONLY | Libc.O_NONBLOCK);
            if (fd.IsInvalid || Libc.Type(fd, "") != Libc.S_IFREG) continue;
            int read;
            try { read = RandomAccess.Read(fd, start, 0); }
            catch (IOException) { continue; }
            if (ElfHeader.TryRead(start.AsSpan(0, read)) is { } elf) return (probe, elf, start[..read]);
        }
        return null;
    }

    /// <summary>As <see cref="InDirectory"/>, in the SquashFS file system at <paramref name="offset"/> in
    /// <paramref name="image"/>, read with unsquashfs, which follows no symlink: a probe that is one, or lies below
    /// one (Debian's /bin), is passed over.</summary>
    public static (string Probe, ElfHeader Elf)? InSquashFs(string image, long offset)
    {
        foreach (string probe in Probes)
            if (Unsquashfs.Bytes(image, offset, "-cat", probe.TrimStart('/')) is { } bytes
                && ElfHeader.TryRead(bytes) is { } elf)
                return (probe, elf);
        return null;
    }
}
