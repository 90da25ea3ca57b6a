using HpcRun.Apply.SquashFuse;
using HpcRun.Cli;
using HpcRun.CommandLine;
using HpcRun.Host;
using HpcRun;

args = Invocation.Arguments(); // as bytes: .NET's own decoding replaces what is not UTF-8
try { ToolHandOver.HandOver(args); }
catch (HpcRunException e)
{
    Console.Error.WriteLine($"hpcrun: {e.Message}"); // as Cli/Logging.cs writes errors
    return (int)e.Code;
}
SquashFuseServer.StartEarly(args);
return new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed]).Invoke(args);
