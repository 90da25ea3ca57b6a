using System.Security.Cryptography;
using HpcRun.Build.Posix;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// Where a build writes. OUT must not exist unless <c>--force</c> (Apptainer's habit); everything is made in a
/// private scratch directory beside OUT (same file system, for the final rename), created as mkdtemp(3) does:
/// a fresh random name, mode 0700, mkdir failing on anything already there, so no other user of a shared
/// directory such as /var/tmp can plant files in the image or point a write elsewhere. <see cref="Commit"/>
/// renames the image onto OUT (renameat2 RENAME_NOREPLACE without --force, so an OUT that appeared meanwhile is
/// kept); <see cref="Dispose"/> removes the scratch directory with all in it. Every failure names OUT, never
/// the scratch directory, and is <see cref="BuildFailure.OutputUnwritable"/>.
/// </summary>
internal sealed class BuildOutput : IDisposable
{
    private const string ScratchPrefix = ".hpcrun-build.", ImageName = "image";
    private readonly SafeFileHandle directory;
    private readonly IBuildReporter reporter;
    private readonly string name, scratchName;
    private readonly FileLock? scratchLock;

    /// <summary>OUT as the user gave it.</summary>
    public string Out { get; }

    /// <summary>The scratch directory (a path for helper programs; open as <see cref="Scratch"/>).</summary>
    public string ScratchPath { get; }

    public RootDir Scratch { get; }

    /// <summary>The image file being written, in the scratch directory.</summary>
    public string ImagePath => $"{ScratchPath}/{ImageName}";

    private BuildOutput(string output, SafeFileHandle directory, string dirPath, string name, string scratchName,
        IBuildReporter reporter)
    {
        (Out, this.directory, this.name, this.scratchName) = (output, directory, name, scratchName);
        this.reporter = reporter;
        ScratchPath = $"{dirPath}/{scratchName}";
        Scratch = new RootDir(Open(directory, scratchName, O_PATH | O_DIRECTORY | O_NOFOLLOW));
        try { scratchLock = ScratchDirectories.Hold(ScratchPath); }
        catch (IOException e)
        {
            Dispose();
            throw OutputRefusal.Unwritable(output, e);
        }
    }

    /// <summary>Checks OUT (<paramref name="output"/>, relative to the current directory or absolute), removes the
    /// scratch directories killed builds left beside it (<see cref="ScratchDirectories"/>) and makes this
    /// build's.</summary>
    public static BuildOutput Prepare(string output, bool force, IBuildReporter reporter)
    {
        (string dirPath, string name) = OutputRefusal.Split(output);
        SafeFileHandle directory = OutputRefusal.OpenDirectory(output, dirPath);
        try
        {
            OutputRefusal.CheckExisting(directory, name, output, force);
            ScratchDirectories.Sweep(dirPath);
            return new BuildOutput(output, directory, dirPath, name, MakeScratch(directory, output), reporter);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>This build's scratch directory and OUT, as paths relative to the directory <paramref name="source"/>,
    /// where they lie inside it (OUT written into its own source, or below it): a build never takes its own files,
    /// nor the image it replaces, as input. None when they lie outside; OUT only where it exists.</summary>
    public IEnumerable<string> Within(string source)
    {
        if (RealPath.Resolve(source) is not { } root || RealPath.Resolve(ScratchPath) is not { } scratch) yield break;
        string prefix = root == "/" ? "/" : root + "/";
        if (!scratch.StartsWith(prefix, StringComparison.Ordinal)) yield break;
        string relative = scratch[prefix.Length..];
        yield return relative;
        if (Stat(directory, name) is not null) yield return Path.Join(Path.GetDirectoryName(relative), name);
    }

    /// <summary>Creates the image file in the scratch directory, for writing (an image copied, not made by
    /// mksquashfs).</summary>
    public FileStream CreateImage()
    {
        int create = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW;
        SafeFileHandle fd = Open(Scratch.Handle, ImageName, create, 0b110_100_100);
        return fd.IsInvalid ? throw PosixException.Last($"cannot create the image being built for {Shown.Path(Out)}")
            : new FileStream(fd, FileAccess.ReadWrite);
    }

    /// <summary>Opens the image file in the scratch directory, for writing (the SIF's metadata).</summary>
    public FileStream OpenImage()
    {
        SafeFileHandle fd = Open(Scratch.Handle, ImageName, O_RDWR | O_NOFOLLOW);
        return fd.IsInvalid ? throw PosixException.Last($"cannot open the image being built for {Shown.Path(Out)}")
            : new FileStream(fd, FileAccess.ReadWrite);
    }

    /// <summary>Moves the finished image onto OUT; a SIF (<paramref name="executable"/>) made executable first,
    /// 0755 less the umask, as Apptainer writes one (pull's CopyFileAtomic with 0755): it starts with a
    /// run-singularity line.</summary>
    public void Commit(bool force, bool executable)
    {
        if (executable && FchmodAt(Scratch.Handle, ImageName, 0b111_101_101 & ~Umask(), 0) != 0)
            throw OutputRefusal.Unwritable(Out, IoError.Describe(Errno), Errno);
        if (RenameAt2(Scratch.Handle, ImageName, directory, name, force ? 0 : RENAME_NOREPLACE) == 0) return;
        int errno = Errno;
        if (errno is EINVAL or ENOSYS && !force) // no RENAME_NOREPLACE here (NFS, some FUSE): check, then rename
        {
            if (Stat(directory, name) is not null) errno = EEXIST;
            else if (RenameAt2(Scratch.Handle, ImageName, directory, name, 0) == 0) return;
            else errno = Errno;
        }
        throw OutputRefusal.Unwritable(Out, errno switch
        {
            // Said alike for a build and a pull (which builds): another process wrote OUT meanwhile.
            EEXIST => "another process created it meanwhile; give --force to overwrite it",
            EISDIR => "it is a directory",
            _ => IoError.Describe(errno),
        }, errno);
    }

    /// <summary>This process's umask, from /proc/self/status (umask(2) cannot read it without setting it, under the
    /// other threads' feet); 022 where the kernel does not say (before Linux 4.7).</summary>
    private static uint Umask()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("Umask:", StringComparison.Ordinal))
                return Convert.ToUInt32(line[6..].Trim(), 8);
        return 0b000_010_010;
    }

    /// <summary>Removes the scratch directory; a failure is a warning (it must not hide the build's own
    /// error).</summary>
    public void Dispose()
    {
        try { Tree.Remove(directory, scratchName); }
        catch (PosixException e)
        {
            reporter.Warning($"could not remove the scratch directory {Shown.Path(ScratchPath)}: {e.Message}");
        }
        finally
        {
            scratchLock?.Dispose();
            Scratch.Dispose();
            directory.Dispose();
        }
    }

    /// <summary>mkdtemp(3)'s way, relative to a descriptor: random names until mkdir makes a new one.</summary>
    private static string MakeScratch(SafeFileHandle directory, string output)
    {
        for (int attempt = 0; ; attempt++)
        {
            string scratchName = ScratchPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            if (MkdirAt(directory, scratchName, 0b111_000_000) == 0) return scratchName;
            if (Errno != EEXIST || attempt == 100) throw OutputRefusal.InDirectory(output, Errno, opened: true);
        }
    }
}
