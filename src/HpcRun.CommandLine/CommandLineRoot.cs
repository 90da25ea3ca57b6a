using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;
using Serilog;

namespace HpcRun.CommandLine;

/// <summary>
/// The root command of hpcrun and of hpcrun-tools: -v/--verbose and --debug on every verb, Apptainer's -q/--quiet
/// and -s/--silent before the verb (as Apptainer takes them: after it, -s is another option), a usage error or an
/// <see cref="HpcRunException"/> as one line on stderr (<see cref="Logging"/>) and its exit status
/// (src/HpcRun.Launch/ExitCode.cs, README "Exit status").
/// </summary>
public sealed class CommandLineRoot
{
    private readonly Option<bool> verbose = new("--verbose", "-v")
    { Description = "Log what hpcrun does", Recursive = true };
    private readonly Option<bool> debug = new("--debug")
    { Description = "Log everything, for bug reports", Recursive = true };
    private readonly Option<bool> quiet = new("--quiet", "-q")
    { Description = "Show no progress lines, only warnings and errors (before the verb)" };
    private readonly Option<bool> silent = new("--silent", "-s")
    { Description = "Show errors only (before the verb)" };

    /// <summary>The options hpcrun takes before its verb and after it (Native/hpcrun.h: HPCRUN_GLOBAL_OPTIONS).
    /// </summary>
    public static readonly string[] GlobalOptions = ["-v", "--verbose", "--debug"];

    /// <summary>The options hpcrun takes before its verb only (Native/hpcrun.h: HPCRUN_ROOT_OPTIONS).</summary>
    public static readonly string[] RootOptions = ["-q", "--quiet", "-s", "--silent"];

    /// <summary>Whether <paramref name="arg"/> is one of the options that may come before the verb.</summary>
    public static bool LeadsVerb(string arg) =>
        Array.IndexOf(GlobalOptions, arg) >= 0 || Array.IndexOf(RootOptions, arg) >= 0;

    public Command Command { get; } =
        new("hpcrun", "hpcrun: run container images on HPC clusters, unprivileged and at native speed");

    public CommandLineRoot()
    {
        Command.Options.Add(verbose);
        Command.Options.Add(debug);
        Command.Options.Add(quiet);
        Command.Options.Add(silent);
    }

    /// <summary>hpcrun's version, as both binaries and the build record give it ("0.1.0").</summary>
    public static string Version => typeof(CommandLineRoot).Assembly.GetName().Version?.ToString(3) ?? "0";

    /// <summary>The version with the commit it was built from ("0.1.0+a19615e..."): what `hpcrun version` prints,
    /// bare, and `hpcrun --version` as "hpcrun version X" (Apptainer's two forms).</summary>
    public static string FullVersion => (Assembly.GetEntryAssembly() ?? typeof(CommandLineRoot).Assembly)
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? Version;

    /// <summary>Parses <paramref name="args"/> (what <paramref name="ours"/> keeps of them: the launcher leaves out
    /// a job's command line) and runs the verb they name.</summary>
    /// <returns>The verb's exit status; 64 (<see cref="ExitCode.Usage"/>) for a command line that does not parse;
    /// an <see cref="HpcRunException"/>'s code; 84 when what the verb wrote to stdout could not be written
    /// (<see cref="StandardStreams.Checked"/>).</returns>
    public int Invoke(string[] args, Func<string[], string[]>? ours = null) => StandardStreams.Checked(Run(args, ours));

    private int Run(string[] args, Func<string[], string[]>? ours)
    {
        try
        {
            // As Apptainer's: the version, whatever comes with it (`apptainer -v --version foo` prints it too).
            if (args.FirstOrDefault(a => !LeadsVerb(a)) == "--version")
            {
                Console.WriteLine($"hpcrun version {FullVersion}");
                return 0;
            }
            args = WithoutHelpVerb(args, Command);
            if (args.Any(a => a is "-h" or "/h" or "--help" or "-?" or "/?")) AddHelpAndVersion();
            // A verb that ends at its image (submit) reads what follows it as the launcher does: the job's words.
            args = ImageCommandLine.JobInArguments(ours is null ? args : ours(args), Command);
            ParseResult result = Command.Parse(args);
            // The loudest given wins, as Apptainer ranks them.
            Logging.Configure(result.GetValue(debug) ? 2 : result.GetValue(verbose) ? 1 : result.GetValue(quiet) ? -1
                : result.GetValue(silent) ? -2 : 0);
            if (result.Action is not (HelpAction or VerbHelp.Action) && (UsageErrors.Describe(result)
                    ?? (result.Errors.Count > 0 ? $"{result.Errors[0].Message} (see 'hpcrun --help')" : null))
                is { } problem)
            {
                Log.Error(problem);
                return (int)ExitCode.Usage;
            }
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // A verb's failure that no code of hpcrun worded (pull, cache, a Slurm verb...) is one line too, not
            // .NET's report of an unhandled exception (Unexpected).
            if (!Logging.IsConfigured) Logging.Configure(0);
            HpcRunException error = Unexpected.Error(e);
            if (!error.Said) Log.Error(error.Message);
            return (int)error.Code;
        }
    }

    /// <summary>The verb Apptainer's users type for help: `hpcrun help [VERB...]` is `hpcrun [VERB...] --help`.
    /// </summary>
    public const string HelpVerb = "help";

    /// <summary><paramref name="args"/> with a leading <see cref="HelpVerb"/> (after <see cref="LeadsVerb"/>'s) turned
    /// into --help after the verbs it names (`help help` is `help`: hpcrun's help).</summary>
    /// <param name="root">The verbs there are; a word after `help` that names none of them is refused.</param>
    /// <exception cref="HpcRunException">64 (usage): `help nosuch`, with the verb it is a typo of.</exception>
    public static string[] WithoutHelpVerb(string[] args, Command root)
    {
        int at = Array.FindIndex(args, a => !LeadsVerb(a));
        if (at < 0 || args[at] != HelpVerb) return args;
        string[] words = [.. args[(at + 1)..].SkipWhile(w => w == HelpVerb)];
        Command verb = root;
        var path = new List<string>();
        foreach (string word in words.TakeWhile(w => !w.StartsWith('-')))
        {
            verb = verb.Subcommands.FirstOrDefault(c => c.Name == word) ?? throw new HpcRunException(
                ExitCode.Usage, UsageErrors.UnknownVerb(word, verb, string.Join(' ', path)));
            path.Add(word);
        }
        return [.. args[..at], .. words, "--help"];
    }

    /// <summary>What RootCommand adds, added only when asked for: their descriptions are
    /// System.CommandLine's localized strings, whose first lookup (a ResourceManager over the
    /// library's assembly) cost 0.8 ms of every launch.</summary>
    private void AddHelpAndVersion()
    {
        var help = new HelpOption();
        VerbHelp.Customize(help);
        Command.Options.Add(help);
        Command.Options.Add(new VersionOption()); // for the help's list: Invoke answers --version itself
    }
}
