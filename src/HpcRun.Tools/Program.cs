using HpcRun.Cli;

return new HpcRunCli([.. ImageVerbs.All, .. SlurmVerbs.All]).Invoke(args);
