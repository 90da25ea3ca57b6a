using System.CommandLine;
using HpcRun.Apply;
using HpcRun.CommandLine;
using HpcRun.Group;
using HpcRun.Launch;
using Serilog;

namespace HpcRun.Cli;

/// <summary>
/// The hpcrun command line. Launch verbs (run, exec, shell, and the bare `hpcrun IMAGE CMD`)
/// stop parsing at the image: everything after it is the job's command line, untouched, so
/// `hpcrun img ls -v` passes -v to ls.
/// </summary>
internal sealed class HpcRunCli
{
    private readonly CommandLineRoot cli = new();
    private readonly LaunchOptions launch = new();
    private readonly Argument<string> image = new("image") { Description = "SquashFS or SIF file, or a directory" };
    private readonly Argument<string[]> command = new("command")
    { Description = "Command and arguments to run inside", Arity = ArgumentArity.ZeroOrMore };
    private readonly HashSet<string> launchVerbs = ["run", "exec", "shell"];
    private readonly Func<LaunchRequest, int> launcher;
    private IReadOnlyList<string> jobCommand = [];

    /// <param name="moreVerbs">Verbs of other concerns (build, submit, doctor...).</param>
    /// <param name="launcher">Runs a launch request; hpcrun's Program.cs gives the executor this rank's node
    /// role, elected before parsing; a test captures the request.</param>
    public HpcRunCli(IEnumerable<Command> moreVerbs, Func<LaunchRequest, int>? launcher = null)
    {
        this.launcher = launcher ?? (request => Executor.Run(request, NodeGroup.Elect()));
        Root.Subcommands.Add(LaunchVerb("run",
            "Run CMD, or the image's default command (runscript, entrypoint, else /bin/sh)", withCommand: true));
        Root.Subcommands.Add(LaunchVerb("exec", "Run CMD inside the image", withCommand: true));
        Root.Subcommands.Add(LaunchVerb("shell", "Start an interactive shell inside the image", withCommand: false));
        var version = new Command("version", "Print hpcrun's version");
        version.SetAction(_ => { Console.WriteLine($"hpcrun {CommandLineRoot.Version}"); return 0; });
        Root.Subcommands.Add(version);
        foreach (Command verb in moreVerbs) Root.Subcommands.Add(verb);
    }

    private Command Root => cli.Command;

    public int Invoke(string[] args) => cli.Invoke(WithImplicitRun(args), ours =>
    {
        (string[] parsed, jobCommand) = SplitJobCommand(ours);
        return parsed;
    });

    private Command LaunchVerb(string name, string description, bool withCommand)
    {
        var verb = new Command(name, description);
        launch.AddTo(verb);
        verb.Arguments.Add(image);
        if (withCommand) verb.Arguments.Add(command);
        verb.SetAction(result => Launch(result, name));
        return verb;
    }

    private int Launch(ParseResult result, string verb)
    {
        if (verb == "exec" && jobCommand.Count == 0)
            throw new HpcRunException(ExitCode.Usage, "exec needs a command: hpcrun exec IMAGE CMD [ARG...]");
        if (verb == "shell" && jobCommand.Count > 0)
            throw new HpcRunException(ExitCode.Usage, "shell takes no command; use hpcrun exec IMAGE CMD");
        try { return launcher(launch.ToRequest(result, result.GetValue(image)!, jobCommand, shell: verb == "shell")); }
        catch (HpcRunException) { throw; }
        catch (Exception e)
        {
            Log.Debug(e, "internal error");
            throw new HpcRunException(ExitCode.Internal, $"internal error: {e.Message}");
        }
    }

    /// <summary>`hpcrun [OPTIONS] IMAGE CMD` means `hpcrun run [OPTIONS] IMAGE CMD`.</summary>
    private string[] WithImplicitRun(string[] args)
    {
        int first = Array.FindIndex(args, a => !IsOption(a, Root.Options));
        if (first < 0 || Root.Subcommands.Any(c => c.Name == args[first])
            || args[first] is "-h" or "--help" or "-?" or "--version")
            return args;
        return [.. args[..first], "run", .. args[first..]];
    }

    /// <summary>Splits off what follows the image (and an optional "--") of a launch verb.</summary>
    private (string[] Ours, IReadOnlyList<string> Job) SplitJobCommand(string[] args)
    {
        int verbAt = Array.FindIndex(args, a => !IsOption(a, Root.Options));
        if (verbAt < 0 || !launchVerbs.Contains(args[verbAt])) return (args, []);
        Command verb = Root.Subcommands.First(c => c.Name == args[verbAt]);
        Option[] options = [.. verb.Options, .. Root.Options];
        for (int i = verbAt + 1; i < args.Length; i++)
        {
            if (args[i] == "--") return (args[..i], args[(i + 1)..]);
            if (!args[i].StartsWith('-') || args[i] == "-") // the image
            {
                int rest = i + 1 < args.Length && args[i + 1] == "--" ? i + 2 : i + 1;
                return (args[..(i + 1)], args[rest..]);
            }
            string name = args[i].Split('=', 2)[0];
            Option option = options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name))
                ?? throw new HpcRunException(ExitCode.Usage,
                    $"unknown option '{name}' for {verb.Name} (see 'hpcrun {verb.Name} --help')");
            if (option.ValueType != typeof(bool) && !args[i].Contains('=')) i++; // skip its value
        }
        return (args, []);
    }

    private static bool IsOption(string arg, IEnumerable<Option> options) =>
        options.Any(o => o.Name == arg || o.Aliases.Contains(arg));
}
