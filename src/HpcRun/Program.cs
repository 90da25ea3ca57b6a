using HpcRun.Cli;

ToolVerbs.HandOver(args);
return new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed]).Invoke(args);
