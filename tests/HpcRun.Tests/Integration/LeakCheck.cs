namespace HpcRun.Tests.Integration;

/// <summary>What a launcher must never leave behind: FUSE daemons, FUSE mounts on the host, scratch directories.</summary>
internal static class LeakCheck
{
    public static IReadOnlyList<string> FuseDaemons() =>
        [.. Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Select(TryRead)
            .Where(cmd => cmd.StartsWith("squashfuse", StringComparison.Ordinal))];

    public static IReadOnlyList<string> FuseMounts() =>
        [.. File.ReadAllLines("/proc/mounts").Where(line => line.Split(' ')[2].StartsWith("fuse", StringComparison.Ordinal) && !line.Contains("fusectl"))];

    public static IReadOnlyList<string> ScratchEntries() =>
        [.. new[] { "/tmp", "/dev/shm", "/var/tmp" }.SelectMany(Directory.EnumerateFileSystemEntries).Where(p => Path.GetFileName(p).StartsWith("hpcrun.", StringComparison.Ordinal))];

    /// <summary>Waits (up to a minute: a killed process is reaped asynchronously) until no daemon or mount remains.</summary>
    public static void AssertNothingLeft()
    {
        for (int i = 0; i < 600 && (FuseDaemons().Count > 0 || FuseMounts().Count > 0); i++) Thread.Sleep(100);
        Assert.Empty(FuseDaemons());
        Assert.Empty(FuseMounts());
        Assert.Empty(ScratchEntries());
    }

    private static string TryRead(string path)
    {
        try { return File.ReadAllText(path).Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
