using HpcRun.Launch;

namespace HpcRun.CommandLine;

/// <summary>
/// Apptainer's variables of the launch options hpcrun refuses (<see cref="UnsupportedOptions"/>): a job script may
/// export APPTAINER_WRITABLE or APPTAINER_OVERLAY for Apptainer too, so the launch goes on as without them, with one
/// warning for each that would have changed what Apptainer does, carrying the advice the option gets. Read as
/// <see cref="ApptainerVariables.Find"/> reads the variables hpcrun has: APPTAINER_KEY, else SINGULARITY_KEY.
/// Source: the EnvKeys of Apptainer's cmd/internal/cli/action_flags.go.
/// </summary>
public static class UnsupportedOptionVariables
{
    /// <summary>Each refused option with its keys; a switch's false word (Go's strconv.ParseBool) changes nothing.
    /// </summary>
    private static readonly (string Option, string[] Keys, bool Switch)[] Variables =
    [
        ("--writable", ["WRITABLE"], true),
        ("--overlay", ["OVERLAY", "OVERLAYIMAGE"], false),
        ("--scratch", ["SCRATCH", "SCRATCHDIR"], false),
        ("--workdir", ["WORKDIR"], false),
        ("--hostname", ["HOSTNAME"], false),
        ("--net", ["NET", "UNSHARE_NET"], true),
        ("--network", ["NETWORK"], false),
        ("--network-args", ["NETWORK_ARGS"], false),
        ("--dns", ["DNS"], false),
        ("--uts", ["UTS", "UNSHARE_UTS"], true),
        ("--pid", ["PID", "UNSHARE_PID"], true),
        ("--ipc", ["IPC", "UNSHARE_IPC"], true),
        ("--security", ["SECURITY"], false),
        ("--add-caps", ["ADD_CAPS"], false),
        ("--drop-caps", ["DROP_CAPS"], false),
        ("--keep-privs", ["KEEP_PRIVS"], true),
        ("--allow-setuid", ["ALLOW_SETUID"], true),
        ("--cpu-shares", ["CPU_SHARES"], false), // Apptainer's --cpus reads CPU_SHARES too
        ("--cpuset-cpus", ["CPUSET_CPUS"], false),
        ("--cpuset-mems", ["CPUSET_MEMS"], false),
        ("--memory", ["MEMORY"], false),
        ("--memory-reservation", ["MEMORY_RESERVATION"], false),
        ("--memory-swap", ["MEMORY_SWAP"], false),
        ("--oom-kill-disable", ["OOM_KILL_DISABLE"], true),
        ("--pids-limit", ["PIDS_LIMIT"], false),
        ("--blkio-weight", ["BLKIO_WEIGHT"], false),
        ("--apply-cgroups", ["APPLY_CGROUPS"], false),
        ("--app", ["APP", "APPNAME"], false),
        ("--boot", ["BOOT"], true),
        ("--nvccli", ["NVCCLI"], true),
        ("--fusemount", ["FUSESPEC"], false),
        ("--compat", ["COMPAT"], true),
        ("--no-init", ["NOSHIMINIT"], true),
        ("--unsquash", ["UNSQUASH"], true),
        ("--no-eval", ["NO_EVAL"], true),
    ];

    /// <summary>--disable-cache: only a launch that pulls has a cache to leave alone.</summary>
    private static readonly (string Option, string[] Keys, bool Switch) DisableCache =
        ("--disable-cache", ["DISABLE_CACHE"], true);

    /// <summary>One line per variable of <paramref name="environment"/> that sets a refused option ("APPTAINER_WRITABLE
    /// is set: hpcrun has no --writable, ignored; hpcrun images are read-only: ..."); none for a launch without
    /// them. <paramref name="pulls"/>: the image is a registry reference (where --disable-cache means something).
    /// </summary>
    public static IEnumerable<string> Warnings(Func<string, string?> environment, bool pulls)
    {
        // A loop, not a LINQ chain: see ApptainerVariables.Find.
        foreach ((string option, string[] keys, bool isSwitch) in pulls ? [.. Variables, DisableCache] : Variables)
            if (ApptainerVariables.Find(environment, keys) is { } set && !(isSwitch && IsFalse(set.Value)))
                yield return $"{set.Name} is set: hpcrun has no {option}, ignored; "
                    + UnsupportedOptions.Advice(option);
    }

    private static bool IsFalse(string word) => word is "0" or "f" or "F" or "false" or "FALSE" or "False";
}
