namespace HpcRun;

/// <summary>A failure that hpcrun reports as one line on stderr and a documented exit status.</summary>
public class HpcRunException(ExitCode code, string message) : Exception(message)
{
    public ExitCode Code { get; } = code;
}
