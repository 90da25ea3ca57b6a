using System.CommandLine;
using HpcRun.CommandLine;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using HpcRun.Tools;
using HpcRun.Tools.Verbs.Bench;
using HpcRun.Tools.Verbs.Image;
using HpcRun.Tools.Verbs.Registry;
using HpcRun.Tools.Verbs.Slurm;

ParentDeath.Arm(); // first: a launcher's pull must not outlive it
StandardStreams.Install();
var cli = new CommandLineRoot();
foreach (Command verb in (Command[])[.. ImageVerbs.All, .. SlurmVerbs.All, .. RegistryVerbs.All, BenchVerb.Create()])
    cli.Command.Subcommands.Add(verb);
return SignalDeath.EndAs( // a build or pull stopped by a signal ends by it
    cli.Invoke(RawArguments() ?? args,
        words => ImageVerbs.ContextAlone(ImageVerbs.ApptainerFakeroot(words, cli.Command), cli.Command)));

// .NET decodes argv as UTF-8 and writes U+FFFD for what is not; the kernel's copy keeps every byte (RawText),
// so that `hpcrun build` takes an OUT or SOURCE of any name, as Unix paths are bytes.
static string[]? RawArguments()
{
    try
    {
        string[] argv = RawText.Decode(File.ReadAllBytes("/proc/self/cmdline")).Split('\0')[..^1];
        return argv.Length > 0 ? argv[1..] : null;
    }
    catch (IOException) { return null; }
}
