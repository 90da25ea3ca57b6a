using HpcRun;
using HpcRun.Apply;
using HpcRun.Apply.SquashFuse;
using HpcRun.Cli;
using HpcRun.CommandLine;
using HpcRun.Group;
using HpcRun.Host;
using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;
using HpcRun.Image.Text;
using HpcRun.Native;
using HpcRun.Recipe;

HeapPrefault.Populate(); // first: before the start allocates
args = Invocation.Arguments(); // as bytes: .NET's own decoding replaces what is not UTF-8
StandardStreams.Install();
NodeRole role;
try
{
    ParentWatch.Start(); // a recipe build's step or test: it dies with the build
    if (RecipeStepCommand.Parse(args, Invocation.Environment.GetValueOrDefault) is { } step)
        return SignalDeath.EndAs(RecipeStep.Run(step)); // hpcrun-tools' build asks; killed, it tells it so
    ToolHandOver.HandOver(args);
    Logging.Configure(EarlyNamespace.Verbosity()); // the election may warn; parsing configures it again
    role = NodeGroup.Elect(); // before parsing: a rank that early.c left undecided may re-execute here
}
catch (Exception e)
{
    // Written as HpcRun.CommandLine/CommandLineRoot.cs and Logging.cs write errors; a recipe step's bad command
    // line (RecipeStepCommand) is ours to word, any other exception is not (Unexpected).
    if (!Logging.IsConfigured) Logging.Configure(EarlyNamespace.Verbosity()); // for --debug's detail
    var error = e is ArgumentException a && Unexpected.IsOurs(a) ? new HpcRunException(ExitCode.Usage, e.Message)
        : Unexpected.Error(e);
    Console.Error.WriteLine($"hpcrun: {Shown.Message(error.Message)}");
    return (int)error.Code;
}
SquashFuseServer.StartEarly(args);
return SignalDeath.EndAs(
    new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed], request => Executor.Run(request, role)).Invoke(args));
