namespace HpcRun.TestSupport;

/// <summary>What a launcher must never leave behind: FUSE servers, FUSE mounts on the host, scratch directories.</summary>
internal static class LeakCheck
{
    /// <summary>The processes holding a FUSE connection open: hpcrun serving an image, or any FUSE daemon.
    /// hpcrun's serving thread keeps the device in a descriptor table of its own, so every thread's is looked at.</summary>
    public static IReadOnlyList<int> FuseServers() =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(name => name!.All(char.IsAsciiDigit)).Select(int.Parse!)
            .Where(pid => FileDescriptorTargets(pid).Contains("/dev/fuse"))];

    public static IReadOnlyList<string> FuseMounts() =>
        [.. File.ReadAllLines("/proc/mounts").Where(line => line.Split(' ')[2].StartsWith("fuse", StringComparison.Ordinal) && !line.Contains("fusectl"))];

    public static IReadOnlyList<string> ScratchEntries() =>
        [.. new[] { "/tmp", "/dev/shm", "/var/tmp" }.SelectMany(Directory.EnumerateFileSystemEntries).Where(p => Path.GetFileName(p).StartsWith("hpcrun.", StringComparison.Ordinal))];

    /// <summary>Waits (up to a minute: a killed process is reaped asynchronously) until no FUSE server or mount remains.</summary>
    public static void AssertNothingLeft()
    {
        for (int i = 0; i < 600 && (FuseServers().Count > 0 || FuseMounts().Count > 0); i++) Thread.Sleep(100);
        Assert.Empty(FuseServers());
        Assert.Empty(FuseMounts());
        Assert.Empty(ScratchEntries());
    }

    /// <summary>Frees <paramref name="pid"/> when it hangs on a FUSE mount whose server died inside it (a crashed
    /// serving thread leaves a request of hpcrun's main thread unanswered, an uninterruptible wait SIGKILL cannot
    /// end): aborts, through fusectl (root only), the connections of the FUSE mounts in its mount namespace, so
    /// that a test can kill it and go on. Returns how many it aborted.</summary>
    public static int AbortFuseConnections(int pid)
    {
        int aborted = 0;
        foreach (string line in MountInfo(pid))
        {
            // "ID PARENT MAJOR:MINOR ROOT TARGET ... - TYPE SOURCE OPTIONS": a FUSE connection is named by its minor.
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (separator < 0 || !fields[separator + 1].StartsWith("fuse", StringComparison.Ordinal)) continue;
            string abort = $"/sys/fs/fuse/connections/{fields[2].Split(':')[1]}/abort";
            if (!File.Exists(abort)) continue; // fusectl's own mount, or a connection already gone
            File.WriteAllText(abort, "1");
            aborted++;
        }
        return aborted;
    }

    private static string[] MountInfo(int pid)
    {
        try { return File.ReadAllLines($"/proc/{pid}/mountinfo"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; } // ended meanwhile
    }

    private static IEnumerable<string?> FileDescriptorTargets(int pid)
    {
        try
        {
            return [.. new DirectoryInfo($"/proc/{pid}/task").EnumerateDirectories()
                .SelectMany(task => new DirectoryInfo(Path.Combine(task.FullName, "fd")).EnumerateFileSystemInfos()).Select(fd => fd.LinkTarget)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; } // ended meanwhile
    }
}
