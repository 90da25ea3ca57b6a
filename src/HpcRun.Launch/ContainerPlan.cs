using HpcRun.Image;

namespace HpcRun.Launch;

/// <summary>
/// The whole container, decided: what the executor applies with system calls. Plain data,
/// built by <see cref="Planner"/> from the request, the image and the host's facts.
/// </summary>
public sealed record ContainerPlan
{
    public required ImageSource Image { get; init; }
    /// <summary>Keep the root writable (changes go to a throwaway tmpfs layer).</summary>
    public bool WritableRoot { get; init; }
    /// <summary>The root is an overlay of the image with a tmpfs layer: the root is writable, or a mount target
    /// the image must have (<see cref="TargetsInTheImage"/>) is missing from it and is made in that layer.
    /// Otherwise the image itself, bound read-only, is the root: no overlay to mount or to look through.</summary>
    public bool RootOverlay { get; init; }
    /// <summary>Mounts on top of the image root, applied in order.</summary>
    public required IReadOnlyList<MountSpec> Mounts { get; init; }
    /// <summary>The variable or the site configuration's line that asked for the mount at a target (a site's bind,
    /// APPTAINER_BIND's, APPTAINER_HOME's), which a refusal of its destination names; none for what the user typed.
    /// </summary>
    public IReadOnlyDictionary<string, string> MountOrigins { get; init; } = new Dictionary<string, string>();
    /// <summary>The size, in MiB, of each tmpfs hpcrun gives the job to write in: the root overlay's layer (what
    /// --writable-tmpfs writes), the <see cref="MountKind.Tmpfs"/> mounts (--contain's /tmp, /var/tmp, home and
    /// /dev). The site's sessiondir-max-size (<see cref="SiteConfig.SessionDirMaxSize"/>), as Apptainer's `sessiondir
    /// max size` caps its session directory, which holds them all; 0: no cap but the kernel's (half the RAM).</summary>
    public uint TmpfsSizeMiB { get; init; }

    /// <summary>The mount data of one of those tmpfs mounts: <paramref name="mode"/> and the size cap.</summary>
    public string TmpfsOptions(string mode) => TmpfsSizeMiB == 0 ? $"mode={mode}" : $"mode={mode},size={TmpfsSizeMiB}m";

    /// <summary>The mounts of <paramref name="mounts"/> (applied in order) whose targets are the image's, prepared in
    /// it: all but those made in a tmpfs of the plan, where the image cannot be seen. Those are a symlink's, and any
    /// whose last mount above, among those applied before it, is a tmpfs (a bind at /tmp/a/b under --contain, a
    /// device node in a minimal /dev): created when applied, their missing directories included.</summary>
    public static IEnumerable<MountSpec> TargetsInTheImage(IReadOnlyList<MountSpec> mounts) =>
        mounts.Where((mount, i) => mount.Kind != MountKind.Symlink && mounts.Take(i)
            .LastOrDefault(m => m.Target != mount.Target && PathText.IsUnder(mount.Target, m.Target))
            is not { Kind: MountKind.Tmpfs });
    public required IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; }
    public required string WorkingDirectory { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    /// <summary>What hpcrun prints on its stdout in place of a job, which it then does not start (<see cref="Argv"/>
    /// is empty), exiting 0: `hpcrun test` of an image without a test script. Null: the job runs.</summary>
    public string? Output { get; init; }
    /// <summary>The job's command as the user knows it: <see cref="Argv"/> before a wrapper (the shell that runs the
    /// image's environment scripts) was put around it; what -v shows.</summary>
    public IReadOnlyList<string> JobCommand { get; init; } = [];
    /// <summary>Where <see cref="JobCommand"/> starts in <see cref="Argv"/> when a wrapper is around it, else 0
    /// (Native/hpcrun.h: struct hpcrun_spawn's wrapped_job).</summary>
    public int WrappedJob => JobCommand.SequenceEqual(Argv) ? 0 : Argv.Count - JobCommand.Count;
    public required IdMap Ids { get; init; }
    /// <summary>What the parts have to tell the user, in the order they said it; the launcher prints them.</summary>
    public IReadOnlyList<PlanMessage> Messages { get; init; } = [];
}

public enum MountKind
{
    /// <summary>Bind a host file, or a host directory with everything mounted below it, as Apptainer binds
    /// (MS_BIND | MS_REC): in a user namespace the kernel refuses to bind a directory without the mounts it
    /// inherited below it (EINVAL), and a job would not see them.</summary>
    Bind,
    /// <summary>A file whose <see cref="MountSpec.Content"/> hpcrun writes, bound read-only.</summary>
    GeneratedFile,
    /// <summary>An empty tmpfs directory, to hide what the host tree had there (then bind chosen entries
    /// into it).</summary>
    Tmpfs,
    /// <summary>A symbolic link to <see cref="MountSpec.Source"/> (a path inside the container, not the host's),
    /// made in a tmpfs of the plan (/dev/fd in a minimal /dev).</summary>
    Symlink,
}

/// <summary>One mount at <see cref="Target"/> (a path inside the container).</summary>
public sealed record MountSpec(MountKind Kind, string Target, string? Source = null, bool ReadOnly = false,
    string? Content = null)
{
    public static MountSpec Bind(string source, string target, bool readOnly = false) =>
        new(MountKind.Bind, target, source, readOnly);
    public static MountSpec File(string target, string content) =>
        new(MountKind.GeneratedFile, target, Content: content, ReadOnly: true) { ReplacesLink = true };
    public static MountSpec Tmpfs(string target) => new(MountKind.Tmpfs, target);

    /// <summary>A bind of the host's <paramref name="source"/> at a system path (/tmp, /dev, /etc/hosts...), which an
    /// image's symlink there does not move (<see cref="ReplacesLink"/>).</summary>
    public static MountSpec SystemBind(string source, string target, bool readOnly = false) =>
        Bind(source, target, readOnly) with { ReplacesLink = true };

    /// <summary>A private tmpfs at a system path (--contain's /tmp, /var/tmp and /dev; <see cref="ReplacesLink"/>).
    /// </summary>
    public static MountSpec SystemTmpfs(string target) => Tmpfs(target) with { ReplacesLink = true };
    public static MountSpec Symlink(string target, string pointsTo) => new(MountKind.Symlink, target, pointsTo);

    /// <summary>The target is hpcrun's to place (its own files, the host's system paths): where the image has a
    /// symlink there, the link is replaced in the root's overlay, not followed. Followed, /etc/group -> /dev/null would
    /// put the group file over the host's /dev/null, and /tmp -> /etc the host's /tmp over the image's /etc.</summary>
    public bool ReplacesLink { get; init; }

    /// <summary>The target is a directory (else a file: generated files and device nodes).</summary>
    public bool TargetIsDirectory(Func<string, bool> hostDirectoryExists) =>
        Kind == MountKind.Tmpfs || (Kind != MountKind.GeneratedFile && hostDirectoryExists(Source!));
}

/// <summary>The user and group the job runs as inside, and who they are outside.</summary>
public sealed record IdMap(int InsideUid, int InsideGid, int OutsideUid, int OutsideGid);
