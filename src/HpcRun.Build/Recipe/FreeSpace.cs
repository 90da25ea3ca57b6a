using HpcRun.Image.Posix;

namespace HpcRun.Build.Recipe;

/// <summary>
/// Whether a file system takes more files: what tells a RUN that failed because it filled the disk it runs on (its
/// command's ENOSPC, EDQUOT) from one that failed for itself. Free blocks alone would miss a spent quota, which
/// statvfs(2) does not see, so a small file is written and flushed there, as the next step would write.
/// </summary>
internal static class FreeSpace
{
    /// <summary>What is written: less room than this left is a full disk for a build, whose next step or image needs
    /// more.</summary>
    public const int Probe = 1 << 20;

    /// <summary>Why <paramref name="directory"/>'s file system takes no <see cref="Probe"/> more bytes (ENOSPC's or
    /// EDQUOT's words), or null when it does, or when that cannot be told (the directory cannot be written for
    /// another reason).</summary>
    public static string? Lacking(string directory)
    {
        string probe = Path.Combine(directory, $".hpcrun-space-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
            file.Write(new byte[Probe]);
            file.Flush(flushToDisk: true); // NFS and Lustre may say so only when the bytes leave the client
            return null;
        }
        catch (IOException e) when (IoError.IsFull(e)) { return IoError.Describe(e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        finally
        {
            try { File.Delete(probe); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // not made
        }
    }
}
