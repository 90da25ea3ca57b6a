namespace HpcRun.TestSupport;

/// <summary>A process as /proc shows it: its pid, its parent's, its name (comm) and command line.</summary>
public sealed record ProcessEntry(int Pid, int Parent, string Name, string[] CommandLine);

/// <summary>The machine's processes, read from /proc (to see what a build started and whether it is gone).</summary>
public static class Processes
{
    public static IEnumerable<ProcessEntry> All() =>
        Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(p => p.All(char.IsAsciiDigit))
            .Select(p => Read(int.Parse(p))).OfType<ProcessEntry>();

    /// <summary>The processes below <paramref name="ancestor"/> now (children, their children...).</summary>
    public static List<ProcessEntry> Descendants(int ancestor)
    {
        List<ProcessEntry> all = [.. All()], found = [];
        var below = new HashSet<int> { ancestor };
        for (bool more = true; more;)
        {
            more = false;
            foreach (ProcessEntry p in all)
                if (below.Contains(p.Parent) && below.Add(p.Pid))
                {
                    found.Add(p);
                    more = true;
                }
        }
        return found;
    }

    /// <summary>Waits until <paramref name="parent"/> (still running) has a child named <paramref name="name"/>;
    /// the child's pid.</summary>
    public static int WaitForChild(System.Diagnostics.Process parent, string name)
    {
        for (int tries = 0; tries < 6000; tries++, Thread.Sleep(20))
        {
            Assert.False(parent.HasExited, $"it ended before it started {name}");
            if (All().FirstOrDefault(p => p.Name == name && p.Parent == parent.Id) is { } child) return child.Pid;
        }
        throw new TimeoutException($"{name} did not start");
    }

    /// <summary>Waits until <paramref name="pid"/> has ended (gone, or a zombie nobody reaps); false when it still
    /// runs after <paramref name="limit"/>.</summary>
    public static bool WaitUntilEnded(int pid, TimeSpan limit)
    {
        for (var started = DateTime.UtcNow; ; Thread.Sleep(20))
        {
            string stat;
            try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
            catch (IOException) { return true; }
            if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z')) return true;
            if (DateTime.UtcNow - started >= limit) return false;
        }
    }

    private static ProcessEntry? Read(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat"); // "pid (comm) state ppid ...": comm may hold spaces
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            int parent = int.Parse(stat[(close + 2)..].Split(' ')[1]);
            string[] argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return new ProcessEntry(pid, parent, stat[(open + 1)..close], argv);
        }
        catch (IOException) { return null; } // gone meanwhile
    }
}
