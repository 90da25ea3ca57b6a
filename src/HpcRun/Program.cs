using HpcRun.Cli;

return new HpcRunCli([DoctorVerb.Create()]).Invoke(args);
