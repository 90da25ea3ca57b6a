using HpcRun.CommandLine;
using HpcRun.Host;
using HpcRun.Native;

namespace HpcRun.Cli;

/// <summary>hpcrun runs the verbs of <see cref="ToolVerbs"/> by exec of hpcrun-tools, the binary beside it.</summary>
internal static class ToolHandOver
{
    /// <summary>Runs hpcrun-tools in this process when <paramref name="args"/> name one of its verbs.</summary>
    /// <exception cref="HpcRunException">72 (<see cref="ExitCode.MissingTool"/>) when it cannot be started.</exception>
    public static void HandOver(string[] args)
    {
        if (!ToolVerbs.Named(args)) return;
        // Be the real user in the namespace early.c entered: the tools read the user's files and name.
        EarlyNamespace.BeYourselfInside();
        string tools = Path.Combine(AppContext.BaseDirectory, ToolVerbs.Binary);
        SetupException failure = Syscalls.Exec(tools, ["hpcrun", .. args], Invocation.EnvironmentEntries);
        throw new HpcRunException(ExitCode.MissingTool,
            $"{tools} cannot be started ({failure.Message}): it is part of hpcrun, install it beside it");
    }
}
