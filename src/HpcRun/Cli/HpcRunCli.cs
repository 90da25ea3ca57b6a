using System.CommandLine;
using HpcRun.Apply;
using HpcRun.CommandLine;
using HpcRun.Group;
using HpcRun.Host;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using HpcRun.Launch;
using Serilog;

namespace HpcRun.Cli;

/// <summary>
/// The hpcrun command line. Launch verbs (run, exec, shell, test, and the bare `hpcrun IMAGE CMD`, which is exec)
/// stop parsing at the image: everything after it is the job's command line, untouched, so
/// `hpcrun img ls -v` passes -v to ls; after `run IMAGE` it is the default command's arguments, as
/// `apptainer run` passes them to the runscript. A first word that is neither a verb nor a file is one of
/// Apptainer's verbs hpcrun lacks (<see cref="UnsupportedVerbs"/>) or a typo of a verb.
/// </summary>
internal sealed class HpcRunCli
{
    private readonly CommandLineRoot cli = new();
    private readonly LaunchOptions launch = new();
    private readonly Argument<string> image = new("image") { Description = "SquashFS or SIF file, or a directory" };
    private readonly Argument<string[]> command = new("command")
    { Description = "Command and arguments to run inside", Arity = ArgumentArity.ZeroOrMore };
    // What run and test take after the image is no command: the arguments of the image's own (the help says so).
    private readonly Argument<string[]> runArgs = new("args")
    {
        Description = "Arguments for the image's default command (its runscript, or entrypoint + cmd)",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly Argument<string[]> testArgs = new("args")
    { Description = "Arguments for the image's test script (%test)", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> shellPath = new("--shell", "-s")
    { Description = "The shell to start (default: /bin/bash, else /bin/sh; also APPTAINER_SHELL)" };
    private readonly HashSet<string> launchVerbs = ["run", "exec", "shell", "test"];
    private readonly Func<LaunchRequest, int> launcher;
    private readonly Func<IReadOnlyDictionary<string, string>> environment;
    private IReadOnlyList<string> jobCommand = [];
    private bool bare; // `hpcrun IMAGE [CMD]`: exec, or the default command when CMD is missing

    /// <param name="moreVerbs">Verbs of other concerns (build, submit, doctor...).</param>
    /// <param name="launcher">Runs a launch request; hpcrun's Program.cs gives the executor this rank's node
    /// role, elected before parsing; a test captures the request.</param>
    /// <param name="environment">Where APPTAINER_* settings are read (<see cref="ApptainerVariables"/>);
    /// default: hpcrun's environment.</param>
    public HpcRunCli(IEnumerable<Command> moreVerbs, Func<LaunchRequest, int>? launcher = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        this.launcher = launcher ?? (request => Executor.Run(request, NodeGroup.Elect()));
        this.environment = () => environment ?? Invocation.Environment;
        Root.Subcommands.Add(LaunchVerb("run",
            "Run the image's default command (runscript, entrypoint + cmd, else /bin/sh) with ARGS as its arguments",
            runArgs).With("run [OPTIONS] IMAGE [ARGS...]    (options after IMAGE are the runscript's)",
                "hpcrun run --bind /scratch mycode.sif input.dat     # the runscript gets input.dat as $1",
                "srun hpcrun run -B /data solver.sif --steps 100     # --steps belongs to the runscript"));
        Root.Subcommands.Add(LaunchVerb("exec", "Run CMD inside the image", command)
            .With("exec [OPTIONS] IMAGE CMD [ARG...]    (or hpcrun [OPTIONS] IMAGE CMD; options after IMAGE are CMD's)",
                "hpcrun exec --cleanenv mycode.sif ./solver -v input.dat   # -v goes to ./solver",
                "srun hpcrun -B /scratch mycode.sif python3 train.py       # the short form"));
        Command shell = LaunchVerb("shell", "Start an interactive shell inside the image", rest: null)
            .With("shell [OPTIONS] IMAGE",
                "hpcrun shell mycode.sif",
                "hpcrun shell --containall -s /bin/sh mycode.sif       # clean environment, private /tmp and home");
        shell.Options.Add(shellPath);
        Root.Subcommands.Add(shell);
        Root.Subcommands.Add(LaunchVerb("test", "Run the image's test script (%test) with ARGS as its arguments",
            testArgs).With("test [OPTIONS] IMAGE [ARGS...]    (options after IMAGE are the test script's)",
                "hpcrun test analysis.sif                   # status 0 when the %test section passed",
                "srun -N1 hpcrun test -B /data analysis.sif  # on a compute node, with the binds the job uses"));
        var version = new Command("version", "Print hpcrun's version (as apptainer version, the bare version)");
        version.SetAction(_ => { Console.WriteLine(CommandLineRoot.FullVersion); return 0; });
        Root.Subcommands.Add(version);
        foreach (Command verb in moreVerbs) Root.Subcommands.Add(verb);
    }

    private Command Root => cli.Command;

    public int Invoke(string[] args) => cli.Invoke(args, ours =>
    {
        (string[] parsed, jobCommand) = SplitJobCommand(WithImplicitExec(ours));
        return parsed;
    });

    /// <param name="rest">What the verb takes after the image, as its help names it; the words themselves are read
    /// untouched (<see cref="SplitJobCommand"/>).</param>
    private Command LaunchVerb(string name, string description, Argument<string[]>? rest)
    {
        var verb = new Command(name, description);
        launch.AddTo(verb);
        verb.Arguments.Add(image);
        if (rest is not null) verb.Arguments.Add(rest);
        verb.SetAction(result => Launch(result, name));
        return verb;
    }

    private int Launch(ParseResult result, string verb)
    {
        if (verb == "exec" && jobCommand.Count == 0 && !bare)
            throw new HpcRunException(ExitCode.Usage, "exec needs a command: hpcrun exec IMAGE CMD [ARG...]");
        string imageName = result.GetValue(image)!;
        UnsupportedVerbs.Check(imageName);
        // What follows the image is the default command's arguments (shell: what Apptainer's shell ignores).
        bool ownCommand = verb is "run" or "test" or "shell";
        LaunchRequest request = launch.ToRequest(result, imageName, ownCommand ? [] : jobCommand,
            shell: verb == "shell") with
        {
            RunArguments = ownCommand ? jobCommand : [],
            Test = verb == "test",
            ShellPath = result.GetValue(shellPath) is { Length: > 0 } given ? given : null, // "": none, as Apptainer
        };
        IReadOnlyDictionary<string, string> variables = environment();
        SettingWord.CheckSwitches(variables.GetValueOrDefault);
        request = ApptainerVariables.Apply(request, variables);
        // A job script may export them for Apptainer too: hpcrun goes on as without them, and says so.
        foreach (string warning in UnsupportedOptionVariables.Warnings(variables.GetValueOrDefault,
                     ImageReference.IsReference(imageName)))
            Log.Warning("{Text}", warning);
        try { return launcher(request); }
        catch (Exception e) { throw Unexpected.Error(e); }
    }

    /// <summary>`hpcrun [OPTIONS] IMAGE CMD` means `hpcrun exec [OPTIONS] IMAGE CMD` (with no CMD, the image's
    /// default command), and so does `hpcrun [OPTIONS] -- IMAGE CMD`. A first word that names no file is refused
    /// when it is a verb hpcrun lacks, or a typo of one it has: an image called `shel` in the current directory still
    /// runs.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for those words.</exception>
    private string[] WithImplicitExec(string[] args)
    {
        int first = ImageCommandLine.VerbAt(args, Root);
        if (first < 0 || Root.Subcommands.Any(c => c.Name == args[first])
            || args[first] is "-h" or "--help" or "-?")
            return args;
        string word = args[first];
        if (!Path.Exists(word))
        {
            UnsupportedVerbs.Check(word);
            if (Typos.Suggestion(word, Root.Subcommands.Select(c => c.Name)) is not null)
                throw new HpcRunException(ExitCode.Usage, UsageErrors.UnknownVerb(word, Root, ""));
            // Nothing but options: no image came, and no verb (hpcrun --bogus), so the option is hpcrun's to refuse;
            // "--" ends the options, and what follows is the image (`hpcrun -- IMAGE CMD`, exec's own "--").
            if (args[first..].All(a => a.StartsWith('-')) && args[first] is not ("-" or "--"))
                throw new HpcRunException(ExitCode.Usage, UnsupportedOptions.Unknown(word, ""));
        }
        bare = true;
        return [.. args[..first], "exec", .. args[first..]];
    }

    /// <summary>Splits off what follows the image (and an optional "--") of a launch verb, as
    /// <see cref="ImageCommandLine.Split"/> reads it for every verb that ends at an image.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) for an option the verb lacks.</exception>
    private (string[] Ours, IReadOnlyList<string> Job) SplitJobCommand(string[] args)
    {
        int verbAt = ImageCommandLine.VerbAt(args, Root);
        if (verbAt < 0 || !launchVerbs.Contains(args[verbAt])) return (args, []);
        Command verb = Root.Subcommands.First(c => c.Name == args[verbAt]);
        // The bare form's options are exec's, though the user typed no exec.
        var split = ImageCommandLine.Split(args, verbAt, [.. verb.Options, .. Root.Options],
            name => (bare ? VerbAfter(args, name) : null) is { } meant ? MisplacedOption(name, meant)
                : UnsupportedOptions.Unknown(name, bare ? "" : verb.Name, "exec"));
        // `hpcrun [OPTIONS] -- build` names an image called build: "--" said so.
        if (bare && split.Ours is [.., "--", var word] && !Path.Exists(word)
            && Root.Subcommands.Any(c => c.Name == word)
            && !args.Skip(verbAt + 1).TakeWhile(a => a != word).Contains("--"))
            throw new HpcRunException(ExitCode.Usage, MisplacedOption(args[verbAt + 1].Split('=', 2)[0], word));
        return split;
    }

    /// <summary>The verb that an option the bare form lacks was written before (`hpcrun --timeout 3 jobs`, `hpcrun -n 2
    /// submit img.sif`, `hpcrun --json status 3`): the first word after the option that names a verb, among the words
    /// up to the first that names a file (which would be the image) or a "--"; null when there is none. Else the
    /// option was taken for exec's, and its line pointed at exec's help, or at an Apptainer option of the same name
    /// (`-n`, Apptainer's --net, for submit's --ntasks).</summary>
    private string? VerbAfter(string[] args, string option)
    {
        int at = Array.FindIndex(args, a => a.Split('=', 2)[0] == option);
        foreach (string word in args.Skip(at + 1).Where(a => !a.StartsWith('-') || a == "--"))
        {
            if (word == "--" || Path.Exists(word)) return null;
            if (Root.Subcommands.Any(c => c.Name == word)) return word;
        }
        return null;
    }

    /// <summary>The line for a launch option (<paramref name="option"/>: --offline, -B...) written before a verb
    /// (`hpcrun --offline build ...`), which made the bare form read the verb as its image: only
    /// <see cref="CommandLineRoot.LeadsVerb"/>'s options go before a verb, as in Apptainer (its root command's
    /// persistent flags).</summary>
    private static string MisplacedOption(string option, string verb) =>
        $"{option} comes before the verb {verb}, where only " +
        $"{string.Join(", ", CommandLineRoot.RootOptions.Concat(CommandLineRoot.GlobalOptions))} may: " +
        $"give a verb's options after it (see 'hpcrun {verb} --help')";
}
