using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Keeps one copy of the files that consecutive steps of the build cache have in common: a step's stored tree
/// gets, in place of each regular file the step did not touch, a hard link to the same file of the tree it started
/// from (<see cref="SameAs"/>), so that a recipe whose last RUN changes a few files stores a few files more, not a
/// second whole tree. "Did not touch" is read from the working tree's ctime (stat(2): the last change of the file's
/// bytes, mode, owner, times, links or extended attributes), which no call of a RUN can set back: a file whose last
/// change came before the moment the working tree was last the same as the stored tree is that stored tree's file.
/// Size, mode, owner and modification time must agree as well. A stored tree is never changed in place afterwards
/// (<see cref="TreeCopy.Remove"/> makes only directories writable), so the files the trees share stay as each had
/// them.
/// </summary>
internal static class SharedFiles
{
    /// <summary>A stored tree, and the time (ns since the epoch, a ctime) before which a file of the working tree
    /// that was last changed is the same as this tree's file at its path.</summary>
    public readonly record struct SameAs(string Tree, long Since);

    /// <summary>The working tree is the same as <paramref name="stored"/> now: just copied from it or into it. Now is
    /// the ctime of a file made in <paramref name="scratch"/> (on the trees' file system): the kernel stamps with a
    /// clock of its own (a tick coarse), and each later change of a file gets this time or a later one. Null when
    /// that file cannot be made.</summary>
    public static SameAs? Now(string stored, string scratch)
    {
        // A copy just made stamped its last files with the kernel's current tick, which the marker would share (and
        // they would be taken as changed): the marker is made a tick later (1-10 ms), so every file copied counts.
        Thread.Sleep(20);
        string marker = $".synced-{Guid.NewGuid():N}";
        using SafeFileHandle dir = OpenDirectory(Cwd, scratch);
        using SafeFileHandle made = Open(dir, marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0b110_000_000);
        if (made.IsInvalid) return null;
        Statx? now = Stat(made, "");
        UnlinkAt(dir, marker, 0);
        return now is { } n ? new SameAs(stored, n.Ctime.Seconds * 1_000_000_000 + n.Ctime.Nanoseconds) : null;
    }

    /// <summary>Replaces each regular file of <paramref name="copy"/> (a stored tree just made of
    /// <paramref name="working"/>, or that tree itself, moved) that the working tree has not changed since
    /// <paramref name="sameAs"/> with a hard link to the file at the same path of <paramref name="sameAs"/>'s tree;
    /// how many it replaced. Each link is made in <paramref name="scratch"/> and renamed over the file, so that a
    /// reader of the tree meanwhile (mksquashfs, a later stage's COPY --from) sees one file or the other, with the
    /// same bytes, and never a name of its own. Files it cannot link (another file system, too many links, a tree
    /// gone) keep their copy: sharing only saves space.</summary>
    public static int Link(string copy, string working, SameAs sameAs, string scratch, CancellationToken cancel)
    {
        using SafeFileHandle copyDir = OpenDirectory(Cwd, copy), workingDir = OpenDirectory(Cwd, working),
            storedDir = OpenDirectory(Cwd, sameAs.Tree), scratchDir = OpenDirectory(Cwd, scratch);
        if (copyDir.IsInvalid || workingDir.IsInvalid || storedDir.IsInvalid || scratchDir.IsInvalid) return 0;
        return new Pass(scratchDir, sameAs.Since, cancel).Link(copyDir, workingDir, storedDir);
    }

    private sealed class Pass(SafeFileHandle scratch, long since, CancellationToken cancel)
    {
        private const string Temporary = ".shared-link";

        /// <summary>Links what it can in the directory <paramref name="copy"/> and below; how many files. Each
        /// rename into a directory stamps its modification time, which the tree must keep (the image's bytes, and the
        /// trees later steps copy, are those of the steps that made it): it is set back once the directory's last
        /// file is linked, and a subdirectory's renames never touch its parent's time.</summary>
        public int Link(SafeFileHandle copy, SafeFileHandle working, SafeFileHandle stored)
        {
            Statx? before = Stat(copy, "");
            int linked = 0, here = 0;
            foreach (DirectoryEntry entry in ReadDirectory(copy, out _))
            {
                if (cancel.IsCancellationRequested) break; // an interrupted build keeps what it linked
                if (Stat(copy, entry.Name) is not { } made) continue;
                if (made.Type == S_IFDIR)
                {
                    using SafeFileHandle copyDir = OpenDirectory(copy, entry.Name),
                        workingDir = OpenDirectory(working, entry.Name), storedDir = OpenDirectory(stored, entry.Name);
                    if (!copyDir.IsInvalid && !workingDir.IsInvalid && !storedDir.IsInvalid)
                        linked += Link(copyDir, workingDir, storedDir);
                }
                else if (made is { Type: S_IFREG, Links: 1 } && Unchanged(Stat(working, entry.Name))
                         && Stat(stored, entry.Name) is { Type: S_IFREG } kept && Alike(made, kept)
                         && Replace(copy, entry.Name, stored))
                    here++;
            }
            if (here > 0 && before is { } b) SetTime(copy, b.Mtime.Seconds, b.Mtime.Nanoseconds);
            return linked + here;
        }

        private bool Unchanged(Statx? working) =>
            working is { Type: S_IFREG, Links: 1 } w && w.Ctime.Seconds * 1_000_000_000 + w.Ctime.Nanoseconds < since;

        private static bool Alike(Statx made, Statx kept) =>
            made.Size == kept.Size && made.Mode == kept.Mode && made.Uid == kept.Uid && made.Gid == kept.Gid
            && made.Mtime.Seconds == kept.Mtime.Seconds && made.Mtime.Nanoseconds == kept.Mtime.Nanoseconds;

        private bool Replace(SafeFileHandle copy, string name, SafeFileHandle stored)
        {
            UnlinkAt(scratch, Temporary, 0); // one a failed rename left
            if (LinkAt(stored, name, scratch, Temporary, 0) != 0) return false;
            return RenameAt2(scratch, Temporary, copy, name, 0) == 0;
        }
    }

    private static SafeFileHandle OpenDirectory(SafeFileHandle dir, string path) =>
        Open(dir, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
}
