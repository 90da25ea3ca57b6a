namespace HpcRun.Launch.Parts;

/// <summary>
/// What runs and where: the given command, else the image's default (/hpcrun-run,
/// /.singularity.d/runscript, the image config's entrypoint + cmd, else /bin/sh); in the
/// host's current directory when the container has it, else the image's working directory. When the image's
/// environment scripts are to be evaluated (<see cref="ImageEnvironment"/>), the image's shell runs them and execs
/// the command.
/// </summary>
public sealed class CommandPart : ILaunchPart
{
    public static readonly string[] RunScripts = ["/hpcrun-run", "/.singularity.d/runscript"];

    public void Contribute(LaunchContext context, PlanBuilder plan)
    {
        LaunchRequest request = context.Request;
        plan.Argv = request.Shell ? [context.Tree.Has("/bin/bash") ? "/bin/bash" : "/bin/sh"]
            : request.Command.Count > 0 ? request.Command
            : DefaultCommand(context);
        string? cwd = context.Host.Cwd;
        if (cwd is null && request.WorkingDirectory is null)
            plan.Warn("the current directory no longer exists (deleted?): " +
                      "the job starts in the image's working directory");
        plan.WorkingDirectory = request.WorkingDirectory
            ?? (cwd is not null && (plan.IsCovered(cwd) || context.Tree.Has(cwd)) ? cwd : null)
            ?? context.Config.WorkingDir
            ?? "/";
        plan.SetEnv("PWD", plan.WorkingDirectory);
        if (plan.ImageEnvironment is { } scripts)
        {
            var (argv, carried) = scripts.Wrap(plan.Argv, plan.GetEnv("SHLVL"));
            plan.Argv = argv;
            foreach (var (name, value) in carried) plan.SetEnv(name, value);
        }
        plan.WritableRoot = request.WritableTmpfs;
    }

    private static IReadOnlyList<string> DefaultCommand(LaunchContext context) =>
        RunScripts.FirstOrDefault(context.Tree.Has) is { } script ? [script]
        : context.Config.DefaultCommand is { Count: > 0 } configured ? configured
        : ["/bin/sh"];
}
