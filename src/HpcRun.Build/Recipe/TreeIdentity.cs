using System.Security.Cryptography;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build.Recipe;

/// <summary>
/// What keys a local FROM in the build cache (<see cref="BaseImage"/>): a file (SIF, SquashFS, archive) by its own
/// metadata, a directory (an image's root, an OCI layout) by its whole tree's: each entry's path, type, permission
/// bits, size, modification and change times (nanoseconds), inode, device and symlink target. A write to any file
/// changes its modification and change times, and no user can set a change time, so a file edited in place,
/// replaced by rename or by `cp -p`, chmod-ed, added or removed anywhere in the tree gives another key; reading
/// the tree (a build copying it) gives the same. The bytes themselves are not read: on the Debian minbase tree
/// (6,768 entries, 193 MiB, 2 busy cores) the metadata took 0.1-0.3 s, hashing the bytes from the page cache
/// 0.7-2.2 s, at every build.
/// </summary>
internal static class TreeIdentity
{
    /// <summary>The sha256 (hex) of what <paramref name="path"/> is, following it if it is a symlink. A directory
    /// that cannot be listed enters as its error, so the key is still made (the build then fails copying it).
    /// Throws <see cref="FileNotFoundException"/> when <paramref name="path"/> does not exist.</summary>
    public static string Of(string path, CancellationToken cancel = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (Type(Cwd, path) is not { } type) throw new MissingFileException($"{path}: not found", path);
        using SafeFileHandle top = Open(Cwd, path, type == S_IFDIR ? O_RDONLY | O_DIRECTORY : O_PATH);
        if (top.IsInvalid || Stat(top, "") is not { } self)
        {
            Add(hash, $".\0error {Errno}");
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        Add(hash, Entry(".", self, null));
        if (self.Type == S_IFDIR) Walk(top, "", hash, cancel);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Walk(SafeFileHandle dir, string prefix, IncrementalHash hash, CancellationToken cancel)
    {
        List<DirectoryEntry> entries = ReadDirectory(dir, out int errno);
        if (errno != 0) Add(hash, $"{prefix}\0unlisted {errno}");
        foreach ((string name, _) in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            cancel.ThrowIfCancellationRequested();
            string path = prefix.Length == 0 ? name : $"{prefix}/{name}";
            if (Stat(dir, name) is not { } what)
            {
                Add(hash, $"{path}\0error {Errno}");
                continue;
            }
            Add(hash, Entry(path, what, what.Type == S_IFLNK ? ReadLink(dir, name) : null));
            if (what.Type != S_IFDIR) continue;
            using SafeFileHandle sub = Open(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (sub.IsInvalid) Add(hash, $"{path}\0unopened {Errno}");
            else Walk(sub, path, hash, cancel);
        }
    }

    private static string Entry(string path, Statx s, string? target) =>
        $"{path}\0{s.Mode:X}\0{s.Size}\0{s.Mtime.Seconds}.{s.Mtime.Nanoseconds}\0{s.Ctime.Seconds}." +
        $"{s.Ctime.Nanoseconds}\0{s.Inode}\0{s.DevMajor}:{s.DevMinor}\0{s.RdevMajor}:{s.RdevMinor}\0{target}";

    /// <summary>Adds <paramref name="entry"/> after its length, so that no name (which may hold any byte but NUL and
    /// '/') can make two trees' entries read alike.</summary>
    private static void Add(IncrementalHash hash, string entry)
    {
        byte[] bytes = RawText.Encode(entry);
        hash.AppendData(BitConverter.GetBytes(bytes.Length));
        hash.AppendData(bytes);
    }
}
