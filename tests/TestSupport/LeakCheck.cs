namespace HpcRun.TestSupport;

/// <summary>
/// What an hpcrun must never leave behind, as hpcrun makes it: its processes (hpcrun itself, whose thread
/// serves the image over FUSE, and the job it started), mounts in the host's mount namespace (hpcrun mounts
/// only in a namespace of its own: the image as "fuse.squashfuse", the staging tmpfs and the overlay root as
/// "hpcrun"), the staging directories (src/HpcRun/Apply/Staging.cs makes them on that tmpfs over /tmp, never
/// in the host's /tmp), and a build's scratch directory beside OUT (.hpcrun-build.*, BuildOutput.cs).
/// Processes are told apart by <see cref="Marker"/>, so that hpcruns of other test processes on the machine
/// running meanwhile count as nobody's leak.
/// </summary>
internal static class LeakCheck
{
    /// <summary>Set to <see cref="Owner"/> in the environment of every hpcrun <see cref="Hpcrun"/> starts; the
    /// job inherits it (not an HPCRUN_ variable, which hpcrun keeps from the job).</summary>
    public const string Marker = "LEAKCHECK_OWNER";

    /// <summary>This test process.</summary>
    public static string Owner { get; } = Environment.ProcessId.ToString();

    /// <summary>Staging.cs's directories, and the first of its generated files.</summary>
    private static readonly string[] StagingNames = ["host", "lower", "rw", "root", "files"];

    /// <summary>The processes holding a FUSE connection open: hpcrun serving an image, or any FUSE daemon.
    /// hpcrun's serving thread keeps the device in a descriptor table of its own, so every thread's is
    /// looked at.</summary>
    public static IReadOnlyList<int> FuseServers() =>
        [.. Pids().Where(pid => FileDescriptorTargets(pid).Contains("/dev/fuse"))];

    /// <summary>"PID COMMAND" of each live process an hpcrun of this test process started, and of those
    /// hpcruns themselves.</summary>
    public static IReadOnlyList<string> Processes()
    {
        string mark = $"{Marker}={Owner}";
        return [.. Pids().Where(pid => ReadProc(pid, "environ") is { } environ
                && System.Text.Encoding.Latin1.GetString(environ).Split('\0').Contains(mark))
            .Select(pid => $"{pid} {Command(pid)}")];
    }

    /// <summary>hpcrun's mounts that show in the host's mount namespace (this process's), as mountinfo lines.</summary>
    public static IReadOnlyList<string> HostMounts() =>
        [.. File.ReadAllLines("/proc/self/mountinfo").Where(line =>
        {
            // "ID PARENT MAJOR:MINOR ROOT TARGET ... - TYPE SOURCE OPTIONS"
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            return separator > 0 && separator + 2 < fields.Length
                && (fields[separator + 1] == "fuse.squashfuse" || fields[separator + 2] == "hpcrun");
        })];

    /// <summary>Staging directories in the host's /tmp owned by the test user, and the scratch directories of builds
    /// that ended, in the places tests build into by default (the test user's home, the test images' directory). A
    /// build that runs, maybe another test process's (making a test image on a fresh machine), holds the flock(2) on
    /// its directory's .lock (src/HpcRun.Build/ScratchDirectories.cs), or has yet to take it: not a leak.</summary>
    public static IReadOnlyList<string> ScratchEntries()
    {
        int user = TestUserId();
        return [.. StagingNames.Select(name => $"/tmp/{name}").Where(path => Owner(path) == user)
            .Concat(new[] { Hpcrun.UserHome, TestImages.Dir }.Where(Directory.Exists)
                .SelectMany(dir => Directory.EnumerateDirectories(dir, ".hpcrun-build.*")).Where(Ended))];

        static int? Owner(string path) =>
            Path.Exists(path) ? int.Parse(TestEnvironment.RunChecked("stat", "-c", "%u", path)) : null;

        // .NET opens a file with FileShare.None under flock(LOCK_EX | LOCK_NB), as TestImages.Lock relies on; opened
        // without O_CREAT, unlike flock(1), which would put a file into a directory its build is removing.
        static bool Ended(string scratch)
        {
            try
            {
                using var held = File.OpenHandle(Path.Combine(scratch, ".lock"), FileMode.Open, FileAccess.Read,
                    FileShare.None);
                return true;
            }
            catch (IOException) { return false; } // held, not made yet, or removed with its directory meanwhile
        }
    }

    /// <summary>Waits (up to a minute: a killed process is reaped asynchronously) until none of this test process's
    /// hpcruns and jobs runs and no hpcrun mount shows on the host, then asserts that nothing at all is left. The
    /// assertion is of the look that found nothing: tests of other collections start hpcruns of this process all the
    /// while, and a second look could catch one of theirs starting; a leak stays through the whole minute.</summary>
    public static void AssertNothingLeft()
    {
        IReadOnlyList<string> processes = Processes(), mounts = HostMounts();
        for (int i = 0; i < 600 && (processes.Count > 0 || mounts.Count > 0); i++)
        {
            Thread.Sleep(100);
            (processes, mounts) = (Processes(), HostMounts());
        }
        Assert.Empty(processes);
        Assert.Empty(mounts);
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

    private static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(name => name!.All(char.IsAsciiDigit))
            .Select(int.Parse!);

    private static string Command(int pid) =>
        System.Text.Encoding.UTF8.GetString(ReadProc(pid, "cmdline") ?? []).Replace('\0', ' ').Trim();

    /// <summary>/proc/PID/NAME's bytes; null when the process ended meanwhile (or is a zombie: empty).</summary>
    private static byte[]? ReadProc(int pid, string name)
    {
        try { return File.ReadAllBytes($"/proc/{pid}/{name}"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static int TestUserId() =>
        int.Parse(File.ReadLines("/etc/passwd").Select(line => line.Split(':'))
            .First(fields => fields[0] == TestEnvironment.User)[2]);

    private static IEnumerable<string?> FileDescriptorTargets(int pid)
    {
        try
        {
            return [.. new DirectoryInfo($"/proc/{pid}/task").EnumerateDirectories()
                .SelectMany(task => new DirectoryInfo(Path.Combine(task.FullName, "fd")).EnumerateFileSystemInfos())
                .Select(fd => fd.LinkTarget)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; } // ended meanwhile
    }
}
