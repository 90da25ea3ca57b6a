namespace HpcRun.Launch.Parts;

/// <summary>
/// What runs and where: the given command, else the image's default (/hpcrun-run,
/// /.singularity.d/runscript, the image config's entrypoint + cmd, else /bin/sh) with `hpcrun run`'s
/// arguments (after a runscript, in place of the config's cmd: `apptainer run` and `docker run` alike), or for
/// `hpcrun test` the image's test script with them (without one: no job, <see cref="NoTestScript"/>), or for
/// `hpcrun shell` a shell (<see cref="ShellCommand"/>);
/// in the host's current directory when the container has it and the user can enter it (it is not bound under
/// --contain: then the home), else the image's working directory.
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
        RefuseEmpty(plan.Argv);
        // Apptainer's shell action exports the shell it picks (bash, else sh) as SHELL; a -s shell is started as
        // given, SHELL left as it was.
        if (request.Shell && request.ShellPath is null) plan.SetEnv("SHELL", plan.Argv[0]);
        if (request.Test) CheckScriptCanStart(context, TestScript, "test script");
        else if (request.Command.Count == 0 && !request.Shell && RunScripts.Contains(plan.Argv[0]))
            CheckScriptCanStart(context, plan.Argv[0], "runscript");
        string? cwd = context.Host.UsableCwd;
        if ((request.Contain || request.NoMount.Cwd)
            && (cwd is null || !plan.IsCovered(cwd) || plan.IsInsideTmpfs(cwd)))
            cwd = HomePart.HomeInside(request, context.Host); // not bound: start in the home, as Apptainer does
        string? inside = cwd is not null && (plan.IsCovered(cwd) || context.Tree.Has(cwd)) ? cwd : null;
        if (request.WorkingDirectory is null && (cwd is null || inside is null && cwd == context.Host.UsableCwd))
            plan.Warn((cwd is null ? CwdProblem(context.Host) : NotInside(cwd)) +
                ": the job starts in the image's working directory");
        plan.WorkingDirectory = request.WorkingDirectory ?? inside ?? context.Config.WorkingDir ?? "/";
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

    /// <exception cref="HpcRunException">127 (<see cref="ExitCode.CommandNotFound"/>) when the image has none of them,
    /// not even /bin/sh (Apptainer: "No runscript and no /bin/sh executable found in container").</exception>
    private static IReadOnlyList<string> DefaultCommand(LaunchContext context, IReadOnlyList<string> arguments) =>
        RunScripts.FirstOrDefault(context.Tree.Has) is { } script ? [script, .. arguments]
        : context.Config.Entrypoint is { Count: > 0 } entrypoint
            ? [.. entrypoint, .. arguments.Count > 0 ? arguments : context.Config.Cmd ?? []]
        : context.Config.Cmd is { Count: > 0 } cmd ? (arguments.Count > 0 ? arguments : cmd)
        : context.Tree.Has(Shell) ? [Shell, .. arguments]
        : throw new HpcRunException(ExitCode.CommandNotFound,
            $"the image has no default command: no runscript, no entrypoint or cmd, and no {Shell} to start instead " +
            "(give a command: hpcrun exec IMAGE CMD)");

    /// <summary>The shell `hpcrun shell` starts, as Apptainer's shell action: -s/APPTAINER_SHELL as given (its rc
    /// files apply), else the image's bash without its rc files (the home's ~/.bashrc is the host's, whose PS1 would
    /// hide that this is the container), else /bin/sh.</summary>
    /// <exception cref="HpcRunException">127 (<see cref="ExitCode.CommandNotFound"/>) when the image has neither and
    /// none was given (Apptainer: "/bin/sh does not exist in container").</exception>
    private static IReadOnlyList<string> ShellCommand(LaunchContext context, string? shellPath) =>
        shellPath is not null ? [shellPath] : context.Tree.Has("/bin/bash") ? ["/bin/bash", "--norc"]
        : context.Tree.Has(Shell) ? [Shell]
        : throw new HpcRunException(ExitCode.CommandNotFound,
            $"the image has no shell: neither /bin/bash nor {Shell} (name one with -s PATH)");

    private const string Shell = "/bin/sh";

    /// <summary>The image's own script (<paramref name="role"/>: its test script, a runscript) as
    /// <paramref name="script"/> would start: with its #! interpreter, or /bin/sh for one without (as execvp runs
    /// it). Only an image without /bin/sh is looked into (nothing is read for the others): there the script's start
    /// would fail as "command not found", or "bad interpreter", where what is missing is the image's shell.</summary>
    /// <exception cref="HpcRunException">127 (<see cref="ExitCode.CommandNotFound"/>) when the interpreter is not in
    /// the image.</exception>
    private static void CheckScriptCanStart(LaunchContext context, string script, string role)
    {
        if (context.Tree.Has(Shell)) return;
        if (Interpreter(context.Tree.ReadText(script)) is { } interpreter && !context.Tree.Has(interpreter))
            throw new HpcRunException(ExitCode.CommandNotFound,
                $"the image has no {Image.Text.Shown.Path(interpreter)} to run its {role} ({script})");
    }

    /// <summary>What runs a script of <paramref name="text"/>: the first word of its #! line, else /bin/sh; null for
    /// an ELF binary, or when the file cannot be read.</summary>
    internal static string? Interpreter(string? text) =>
        text is null || text.StartsWith("\u007fELF", StringComparison.Ordinal) ? null
        : !text.StartsWith("#!", StringComparison.Ordinal) ? Shell
        : text[2..].TrimStart(' ', '\t').Split([' ', '\t', '\n'])[0] is { Length: > 0 } word ? word : null;

    /// <summary>An empty string names no command: a shell says "command not found" (127), where a PATH search would
    /// try each of its directories and be refused them (EACCES, "Permission denied", 126).</summary>
    public const string EmptyCommand = "the command is an empty string: no command has that name";

    /// <summary>Refuses <paramref name="argv"/> whose command is an empty string (an empty string after it is an
    /// argument); `hpcrun submit` refuses it so before it sends the job.</summary>
    /// <exception cref="HpcRunException">127 (<see cref="ExitCode.CommandNotFound"/>), <see cref="EmptyCommand"/>.
    /// </exception>
    public static void RefuseEmpty(IReadOnlyList<string> argv)
    {
        if (argv is [{ Length: 0 }, ..]) throw new HpcRunException(ExitCode.CommandNotFound, EmptyCommand);
    }

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

    /// <summary>Why the job cannot start in the host's current directory <paramref name="cwd"/> that neither a
    /// mount nor the image has: a system directory (/usr/share/doc) is not bound over the image's own
    /// (<see cref="HomePart.IsBindable"/>), and --no-home leaves a home that is the current directory out.</summary>
    private static string NotInside(string cwd) => $"the current directory {Image.Text.Shown.Path(cwd)} is " +
        (HomePart.IsBindable(cwd) ? "not bound" : "a system directory, not bound over the image's,") +
        " and the image has none";
}
