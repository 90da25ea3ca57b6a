using System.Runtime.InteropServices;

namespace HpcRun.Rdma;

/// <summary>
/// RLIMIT_MEMLOCK, which caps the memory a process may register (pin) for RDMA. MPI libraries,
/// UCX and libfabric pin whole message buffers and registration caches: with a finite limit,
/// large transfers fail or fall back to slow paths, so every RDMA stack asks for unlimited.
/// </summary>
public static partial class MemlockLimit
{
    public const string Fix = "set 'ulimit -l unlimited' (a memlock line in /etc/security/limits.d, "
        + "and in Slurm PropagateResourceLimits or slurmd's own limit)";

    /// <summary>The soft limit from the text of /proc/self/limits: bytes, or null for unlimited.</summary>
    /// <exception cref="FormatException">The file has no "Max locked memory" line.</exception>
    public static long? Parse(string limits)
    {
        string line = limits.Split('\n')
            .FirstOrDefault(l => l.StartsWith("Max locked memory", StringComparison.Ordinal))
            ?? throw new FormatException("no 'Max locked memory' line in /proc/self/limits");
        string soft = line["Max locked memory".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? null : long.Parse(soft);
    }

    /// <summary>This process's soft limit, from getrlimit(2) (what /proc/self/limits shows, without reading and
    /// parsing its text on every launch): bytes, or null for unlimited; from that text if getrlimit fails.
    /// </summary>
    public static long? ReadCurrent() => GetRlimit(RlimitMemlock, out Rlimit limit) == 0
        ? (limit.Current == RlimInfinity ? null : (long)limit.Current)
        : Parse(File.ReadAllText("/proc/self/limits"));

    private const int RlimitMemlock = 8; // Linux's RLIMIT_MEMLOCK, on every architecture hpcrun builds for
    private const ulong RlimInfinity = ulong.MaxValue;

    private struct Rlimit
    {
        public ulong Current, Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRlimit(int resource, out Rlimit limit);

    public static string Describe(long? limit) => limit switch
    {
        null => "unlimited",
        >= 1L << 30 => $"{limit / (1L << 30)} GiB",
        >= 1L << 20 => $"{limit / (1L << 20)} MiB",
        _ => $"{limit / 1024} KiB",
    };

    /// <summary>The warning for a finite limit, or null when it is unlimited.</summary>
    public static string? Warning(long? limit) => limit is null ? null
        : $"locked memory is limited to {Describe(limit)} (ulimit -l): "
            + $"RDMA memory registration may fail or slow down large transfers; {Fix}";
}
