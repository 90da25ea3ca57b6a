using HpcRun.Cli;

return new HpcRunCli([DoctorVerb.Create(), .. ImageVerbs.All, .. SlurmVerbs.All]).Invoke(args);
