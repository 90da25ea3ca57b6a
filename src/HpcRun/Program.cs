using HpcRun.Cli;

return new HpcRunCli([]).Invoke(args);
