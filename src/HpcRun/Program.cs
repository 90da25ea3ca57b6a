using HpcRun.Cli;

return new HpcRunCli([DoctorVerb.Create(), .. ImageVerbs.All]).Invoke(args);
