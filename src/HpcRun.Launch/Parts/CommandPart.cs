namespace HpcRun.Launch.Parts;

/// <summary>
/// What runs and where: the given command, else the image's default (/hpcrun-run,
/// /.singularity.d/runscript, the image config's entrypoint + cmd, else /bin/sh) with `hpcrun run`'s
/// arguments (after a runscript, in place of the config's cmd: `apptainer run` and `docker run` alike), or for
/// `hpcrun test` the image's test script with them (without one: no job, <see cref="NoTestScript"/>), or for
/// `hpcrun shell` a shell (<see cref="ShellCommand"/>);
/// in the host's current directory when the container has it and the user can enter it (it is not bound under
/// --contain: then the home), else the image's working directory. HOME is -H's destination when it names one.
/// When the image's environment scripts are to be evaluated (<see cref="ImageEnvironment"/>), the image's shell
/// runs them and execs the command.
/// </summary>
public sealed class CommandPart : ILaunchPart
{
    public static readonly string[] RunScripts = ["/hpcrun-run", "/.singularity.d/runscript"];
    /// <summary>Where a definition file's %test lands (Apptainer's image layout).</summary>
    public const string TestScript = "/.singularity.d/test";

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        LaunchRequest request = context.Request;
        if (request.Test && !context.Tree.Has(TestScript))
        {
            plan.Output = NoTestScript; // said by hpcrun: the image may have no shell to say it
            return;
        }
        if (request.Shell && request.RunArguments.Count > 0) plan.Warn(ShellArgumentsIgnored);
        plan.Argv = request.Shell ? ShellCommand(context, request.ShellPath)
            : request.Test ? [TestScript, .. request.RunArguments]
            : request.Command.Count > 0 ? request.Command
            : DefaultCommand(context, request.RunArguments);
        if (request.Home is not null) plan.SetEnv("HOME", HomePart.HomeInside(request, context.Host));
        string? cwd = context.Host.UsableCwd;
        if ((request.Contain || request.NoMount.Cwd) && (cwd is null || !plan.IsCovered(cwd) || InsideTmpfs(plan, cwd)))
            cwd = HomePart.HomeInside(request, context.Host); // not bound: start in the home, as Apptainer does
        if (cwd is null && request.WorkingDirectory is null)
            plan.Warn(CwdProblem(context.Host) + ": the job starts in the image's working directory");
        plan.WorkingDirectory = request.WorkingDirectory
            ?? (cwd is not null && (plan.IsCovered(cwd) || context.Tree.Has(cwd)) ? cwd : null)
            ?? context.Config.WorkingDir
            ?? "/";
        plan.SetEnv("PWD", plan.WorkingDirectory);
        if (plan.ImageEnvironment is { } scripts)
        {
            var (argv, carried) = scripts.Wrap(plan.Argv, plan.GetEnv("SHLVL"));
            plan.JobCommand = plan.Argv;
            plan.Argv = argv;
            foreach (var (name, value) in carried) plan.SetEnv(name, value);
        }
        plan.WritableRoot = request.WritableTmpfs;
    }

    private static IReadOnlyList<string> DefaultCommand(LaunchContext context, IReadOnlyList<string> arguments) =>
        RunScripts.FirstOrDefault(context.Tree.Has) is { } script ? [script, .. arguments]
        : context.Config.Entrypoint is { Count: > 0 } entrypoint
            ? [.. entrypoint, .. arguments.Count > 0 ? arguments : context.Config.Cmd ?? []]
        : context.Config.Cmd is { Count: > 0 } cmd ? (arguments.Count > 0 ? arguments : cmd)
        : ["/bin/sh", .. arguments];

    /// <summary>The shell `hpcrun shell` starts, as Apptainer's shell action: -s/APPTAINER_SHELL as given (its rc
    /// files apply), else the image's bash without its rc files (the home's ~/.bashrc is the host's, whose PS1 would
    /// hide that this is the container), else /bin/sh.</summary>
    private static IReadOnlyList<string> ShellCommand(LaunchContext context, string? shellPath) =>
        shellPath is not null ? [shellPath] : context.Tree.Has("/bin/bash") ? ["/bin/bash", "--norc"] : ["/bin/sh"];

    /// <summary>What `hpcrun shell IMAGE ARGS...` says before it starts the shell without ARGS, as Apptainer's shell
    /// warns "Parameters to shell command are ignored" (cmd/internal/cli/actions.go) and starts its shell action
    /// without them.</summary>
    public const string ShellArgumentsIgnored = "shell ignores the arguments after the image, as Apptainer's does: " +
        "to run a command in the image's shell, hpcrun exec IMAGE /bin/sh -c 'COMMAND'";

    /// <summary>What Apptainer's test action says of an image without a test script, before it succeeds. Its
    /// actions run in Apptainer's own shell interpreter, not the image's: an image without /bin/sh says it
    /// too.</summary>
    public const string NoTestScript = "No test script found in container, exiting\n";

    /// <summary>Why the job cannot start in the host's current directory: it is gone, or the user cannot enter it
    /// (another user's directory that sudo or runuser started in, a stale NFS handle...). Either way the job
    /// starts as it would outside any directory; only a --pwd that cannot be entered is an error.</summary>
    private static string CwdProblem(HostFacts host) => host.Cwd is null
        ? "the current directory no longer exists (deleted?)"
        : $"the current directory {host.Cwd} cannot be entered ({host.CwdUnusable})";

    /// <summary>Whether <paramref name="path"/> lies below (not at) a tmpfs of the plan, where it does not
    /// exist.</summary>
    private static bool InsideTmpfs(PlanBuilder plan, string path) =>
        plan.Mounts.Any(m => m.Kind == MountKind.Tmpfs && PathText.IsUnder(path, m.Target) && path != m.Target);
}
