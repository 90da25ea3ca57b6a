namespace HpcRun.CommandLine;

/// <summary>
/// Apptainer's options that hpcrun does not have, each with what to do instead, so a command line brought from
/// Apptainer gets one line of advice ("hpcrun: '--writable' is not supported: ...", status 64), not only "unknown
/// option". Consulted only for an option the verb lacks, so an alias hpcrun gives another meaning (-s: --shell of
/// `shell`, --sandbox of Apptainer's build) is unaffected where hpcrun has it. Options: the flags of Apptainer 1.5's
/// exec, run, shell, test, build, pull and inspect (cmd/internal/cli; of the hidden ones, those a trial met). Options
/// whose behaviour is hpcrun's own anyway (-u/--userns) are accepted by the verbs instead
/// (<see cref="LaunchOptions"/>).
/// </summary>
public static class UnsupportedOptions
{
    private const string Writable = "hpcrun images are read-only: --writable-tmpfs gives a throwaway writable " +
        "layer, -B a writable host directory";
    private const string Namespaces = "hpcrun keeps the host's network, hostname, PIDs and IPC, which MPI and " +
        "HPC fabrics need: it makes no namespace for them";
    private const string Privileges = "hpcrun grants no capabilities and runs nothing setuid: inside, you keep " +
        "your own privileges (or uid 0 without more with --fakeroot)";
    private const string Cgroups = "hpcrun sets no resource limits: ask the batch system for them " +
        "(srun --cpus-per-task, --mem)";
    private const string Scratch = "bind a host directory instead (-B /local/scratch:/scratch); --contain gives " +
        "a private /tmp";
    private const string Login = "give credentials to pull with --creds, HPCRUN_DOCKER_USERNAME and " +
        "HPCRUN_DOCKER_PASSWORD, or ~/.docker/config.json";
    private const string Encryption = "hpcrun runs no encrypted images";
    private const string InPlace = "hpcrun always serves a SquashFS or SIF image in place, unprivileged, from a " +
        "thread of its own (FUSE): there is nothing to unpack or choose";
    private const string UserNamespace = "hpcrun always runs in an unprivileged user namespace that maps only " +
        "your own id (no /etc/subuid range, no fakeroot command): there is nothing to ignore";
    private const string Cdi = "--gpu chooses the devices (--gpu=nvidia:0,2)";
    private const string NoHttps = "HPCRUN_INSECURE=1 speaks plain HTTP to a registry (pull and build take " +
        "--no-https, --nohttps and --insecure)";

    private static readonly Dictionary<string, string> Options = new()
    {
        ["--writable"] = Writable,
        ["-w"] = Writable,
        ["--overlay"] = Writable,
        ["-o"] = Writable,
        ["--net"] = Namespaces,
        ["-n"] = Namespaces,
        ["--network"] = Namespaces,
        ["--network-args"] = Namespaces,
        ["--dns"] = Namespaces,
        ["--netns-path"] = Namespaces,
        ["--no-pid"] = Namespaces,
        ["--hostname"] = Namespaces,
        ["--uts"] = Namespaces,
        ["--pid"] = Namespaces,
        ["-p"] = Namespaces,
        ["--ipc"] = Namespaces,
        ["-i"] = Namespaces,
        ["--sharens"] = "ranks of a job on a node share one container already; --join-key KEY groups other launches",
        ["--add-caps"] = Privileges,
        ["--drop-caps"] = Privileges,
        ["--keep-privs"] = Privileges,
        ["--allow-setuid"] = Privileges,
        ["--security"] = Privileges,
        ["--cpus"] = Cgroups,
        ["--cpu-shares"] = Cgroups,
        ["--cpuset-cpus"] = Cgroups,
        ["--cpuset-mems"] = Cgroups,
        ["--memory"] = Cgroups,
        ["--memory-reservation"] = Cgroups,
        ["--memory-swap"] = Cgroups,
        ["--oom-kill-disable"] = Cgroups,
        ["--pids-limit"] = Cgroups,
        ["--blkio-weight"] = Cgroups,
        ["--blkio-weight-device"] = Cgroups,
        ["--apply-cgroups"] = Cgroups,
        ["--scratch"] = Scratch,
        ["-S"] = Scratch,
        ["--workdir"] = Scratch,
        ["-W"] = Scratch,
        ["--app"] = "hpcrun has no SCIF apps: run the app's command with `hpcrun exec IMAGE CMD`",
        ["--boot"] = "hpcrun starts no init: run the job's command",
        ["--nvccli"] = "--nv binds the driver's libraries and devices itself, without nvidia-container-cli",
        ["--cdi"] = Cdi,
        ["--cdi-dirs"] = Cdi,
        ["--device"] = Cdi,
        ["--intel-hpu"] = "hpcrun sets up NVIDIA (--nv) and AMD (--rocm) GPUs only: the host's /dev is the " +
            "container's (but under --contain), so bind an accelerator's libraries with -B",
        ["--compat32"] = "--nv and --rocm bind the GPU libraries of 64-bit programs: hpcrun has no 32-bit ones " +
            "(/.singularity.d/libs32) to add",
        ["--no-umask"] = "hpcrun keeps your umask, as Apptainer does without --no-umask: for 0022, run `umask 022` " +
            "before hpcrun",
        ["--no-env"] = "--cleanenv passes none of the host's variables; to keep one out, run `env -u NAME hpcrun ...`",
        ["--ignore-userns"] = UserNamespace,
        ["--ignore-subuid"] = UserNamespace,
        ["--ignore-fakeroot-command"] = UserNamespace,
        ["--fusemount"] = "mount the FUSE file system on the host, then bind it with -B",
        ["--oci"] = "hpcrun runs OCI images as one file: `hpcrun pull` or `hpcrun build` makes it",
        ["--disable-cache"] = "`hpcrun pull OUT.sif docker://REF` (which takes --disable-cache) writes the image " +
            "where you choose, not the cache",
        ["--no-https"] = NoHttps,
        ["--nohttps"] = NoHttps,
        ["--docker-login"] = Login,
        ["--authfile"] = Login,
        ["--docker-host"] = Login,
        ["--docker-username"] = Login,
        ["--docker-password"] = Login,
        ["--passphrase"] = Encryption,
        ["--pem-path"] = Encryption,
        ["--encrypt"] = Encryption,
        ["--sandbox"] = "hpcrun builds image files; a directory is an image as it is (hpcrun DIR CMD)",
        ["--update"] = "build into a new file: hpcrun builds every image from scratch (its recipe steps are cached)",
        ["--section"] = "hpcrun builds whole definition files",
        ["--compat"] = "hpcrun's defaults are close to it already; add --containall (-C) for a clean environment and " +
            "private /tmp and home (images are read-only; --writable-tmpfs for a throwaway layer)",
        ["--no-init"] = "hpcrun starts no init (shim) process: the job's command is the container's first process",
        ["--unsquash"] = InPlace,
        ["--sif-fuse"] = InPlace,
        ["--no-eval"] = "hpcrun evaluates the environment scripts with the image's /bin/sh, as Apptainer does by " +
            "default; set exact values with --env or --env-file",
    };

    /// <summary>Apptainer's options of one verb whose names mean something else or nothing elsewhere, and Docker's
    /// build -t.</summary>
    private static readonly Dictionary<(string Verb, string Option), string> VerbOptions = new()
    {
        [("inspect", "--list-apps")] = "hpcrun has no SCIF apps: `hpcrun inspect --json IMAGE` gives what an image " +
            "holds",
        [("inspect", "--app")] = "hpcrun has no SCIF apps: `hpcrun inspect IMAGE` shows the image's own labels, " +
            "runscript and definition file",
        [("inspect", "--all")] = "`hpcrun inspect --json IMAGE` gives everything at once",
        [("build", "-t")] = "hpcrun names an image by the file it writes, not by a tag: hpcrun build NAME.sif " +
            "Dockerfile (for docker build -t NAME .)",
        [("build", "-s")] = "hpcrun builds image files; a directory is an image as it is (hpcrun DIR CMD)",
        [("build", "--nv")] = BuildGpu,
        [("build", "--nvccli")] = BuildGpu,
        [("build", "--rocm")] = BuildGpu.Replace("--nv", "--rocm", StringComparison.Ordinal),
        [("build", "--bind")] = BuildBind,
        [("build", "-B")] = BuildBind,
        [("build", "--mount")] = BuildBind,
        [("build", "--arch")] = Arch,
        [("pull", "--arch")] = Arch,
        [("build", "--compat32")] = BuildGpu,
        [("build", "--writable-tmpfs")] = "a build's %test runs in the finished image, read-only, and nothing it " +
            "writes lands in the image: try writing with `hpcrun test --writable-tmpfs OUT.sif` once it is built",
        [("build", "-e")] = Encryption,
        [("build", "--remote")] = "hpcrun builds here, unprivileged: leave it out (Apptainer no longer supports it " +
            "either)",
        [("build", "--buildkit-host")] = "hpcrun builds Dockerfiles itself, unprivileged, with no BuildKit " +
            "daemon: leave it out",
        [("build", "--json")] = "hpcrun reads definition files and Dockerfiles as text, not JSON: write the " +
            "definition file",
        [("build", "--data")] = "hpcrun writes system images only: bind the data's directory (-B), or copy it into " +
            "an image with %files or COPY",
        [("build", "--ignore-userns")] = UserNamespace,
        [("build", "--ignore-subuid")] = UserNamespace,
        [("build", "--ignore-fakeroot-command")] = UserNamespace,
        [("build", "--ignore-proot")] = UserNamespace,
        [("build", "--arch-variant")] = ArchVariant,
        [("pull", "--arch-variant")] = ArchVariant,
        [("build", "--library")] = Library,
        [("pull", "--library")] = Library,
        [("build", "--reproducible")] = Reproducible,
        [("pull", "--reproducible")] = Reproducible,
        [("build", "--no-cleanup")] = NoCleanup,
        [("pull", "--no-cleanup")] = NoCleanup,
        [("pull", "--allow-unsigned")] = Unsigned,
        [("pull", "-U")] = Unsigned,
        [("pull", "--allow-unauthenticated")] = Unsigned,
        [("pull", "--name")] = "pull's first argument names the file: hpcrun pull NAME.sif docker://REF",
        [("build", "--fix-perms")] = "hpcrun keeps the modes the layers give (the image's files are root's): a " +
            "file only root may read stays so, unless a recipe's RUN chmod changes it",
    };

    /// <summary>Apptainer's build and pull --arch (its library's architecture): one advice for both.</summary>
    private const string Arch = "give the platform: --platform linux/ARCH (for a recipe, its FROM --platform too)";
    private const string ArchVariant = "give the platform with its variant: --platform linux/ARCH/VARIANT " +
        "(linux/arm/v7)";
    private const string Library = "hpcrun pulls from OCI registries (docker://), not a library: for library://, " +
        "download the SIF where Apptainer is installed (`apptainer pull`) and give hpcrun the file";
    /// <summary>The README's "Reproducible" and "Times": what --reproducible asks for is what hpcrun does anyway.
    /// </summary>
    private const string Reproducible = "hpcrun's builds and pulls are reproducible without it (the same inputs give " +
        "the same bytes, a pull's dated by the image's creation; SOURCE_DATE_EPOCH clamps the times a recipe's RUN " +
        "leaves): leave it out";
    private const string NoCleanup = "hpcrun removes a failed build's or pull's temporary files; a recipe's " +
        "finished steps stay in its build cache, so the next build starts after them";
    private const string Unsigned = "hpcrun pulls from OCI registries, whose images carry no SIF signature to " +
        "check: leave it out";
    private const string BuildGpu = "a build's RUN and %test get no GPU: test the image with " +
        "`hpcrun --nv IMAGE ...` once it is built";
    private const string BuildBind = "a build binds nothing into RUN or %test: COPY (or %files) what the image " +
        "needs, or bind it when you run the image (hpcrun -B ...)";

    /// <summary>What to do instead of Apptainer's <paramref name="option"/>, which hpcrun lacks (a name of the
    /// table); the warning of its variable gives it too (<see cref="UnsupportedOptionVariables"/>).</summary>
    internal static string Advice(string option) => Options[option];

    /// <summary>The one-line refusal for <paramref name="option"/> (a name as typed, `=value` allowed) typed after
    /// <paramref name="verb"/> (empty: none, the bare `hpcrun IMAGE CMD`); null when it is not one of Apptainer's
    /// that hpcrun lacks.</summary>
    public static string? Refusal(string option, string verb = "")
    {
        string name = option.Split('=', 2)[0];
        string usage = verb is "" or "exec" ? "exec IMAGE CMD" : $"{verb} ...";
        return CommandLineRoot.RootOptions.Contains(name)
            ? $"'{name}' goes before the verb, as Apptainer takes it: hpcrun {name} {usage}"
            : Options.TryGetValue(name, out string? advice) && IsApptainersOf(name, verb)
                ? $"'{name}' is not supported: {advice}" : null;
    }

    /// <summary>The verbs that take Apptainer's launch options: a word of another (`cache list -n`) is only unknown
    /// there.</summary>
    private static readonly HashSet<string> LaunchVerbs = ["", "exec", "run", "shell", "test", "submit"];

    /// <summary>The options of the table that Apptainer's build and pull take too.</summary>
    private static readonly HashSet<string> ImageOptions = ["--disable-cache", "--no-https", "--nohttps",
        "--docker-login", "--authfile", "--docker-host", "--docker-username", "--docker-password", "--passphrase",
        "--pem-path", "--encrypt", "--sandbox", "--update", "--section", "--oci"];

    /// <summary>Whether Apptainer's <paramref name="verb"/> has <paramref name="option"/>, so that its advice
    /// applies.</summary>
    private static bool IsApptainersOf(string option, string verb) =>
        LaunchVerbs.Contains(verb) || (verb is "build" or "pull" && ImageOptions.Contains(option));

    /// <summary>pull's and build's own options, which a launch lacks (after its verb, or before a verb, where the bare
    /// `hpcrun IMAGE CMD` reads them): what a launch of docker://REF, which pulls too, takes instead.</summary>
    private static readonly Dictionary<string, string> PullOptions = new()
    {
        ["--insecure"] = "a launch of docker://REF speaks plain HTTP with HPCRUN_INSECURE=1",
        ["--creds"] = "a launch of docker://REF logs in with HPCRUN_DOCKER_USERNAME and HPCRUN_DOCKER_PASSWORD, or " +
            "~/.docker/config.json",
        ["--platform"] = "a launch of docker://REF pulls the host's platform",
    };

    /// <summary>The line for one of <see cref="PullOptions"/> given to a launch verb; null for another option.
    /// </summary>
    private static string? PullOption(string name, string verb) =>
        LaunchVerbs.Contains(verb) && PullOptions.TryGetValue(name, out string? instead)
            ? $"'{name}' is an option of pull and build, after the verb (hpcrun pull {name} ...): {instead}" : null;

    /// <summary>The line for an option <paramref name="verb"/> lacks: the refusal when it is one of Apptainer's,
    /// else "unknown option". An empty <paramref name="verb"/> is an option typed with no verb, whose help is
    /// <paramref name="helpVerb"/>'s (exec's, for the bare `hpcrun [OPTIONS] IMAGE CMD`; else hpcrun's).</summary>
    public static string Unknown(string option, string verb, string helpVerb = "") =>
        (VerbOptions.TryGetValue((verb, option.Split('=', 2)[0]), out string? advice)
            ? $"'{option.Split('=', 2)[0]}' is not supported: {advice}" : null)
        ?? Refusal(option, verb)
        ?? PullOption(option.Split('=', 2)[0], verb)
        ?? $"unknown option '{option.Split('=', 2)[0]}'{(verb.Length > 0 ? $" for {verb}" : "")} " +
        $"(see 'hpcrun {(verb.Length > 0 ? verb : helpVerb)}{(verb.Length > 0 || helpVerb.Length > 0 ? " " : "")}" +
        "--help')";
}
