using HpcRun.Cli;
using HpcRun.Execution.SquashFuse;

ToolVerbs.HandOver(args);
SquashFuseServer.StartEarly(args);
return new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed]).Invoke(args);
