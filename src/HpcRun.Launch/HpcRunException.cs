using System.Runtime.InteropServices;

namespace HpcRun;

/// <summary>A failure that hpcrun reports as one line on stderr and a documented exit status.</summary>
public class HpcRunException(ExitCode code, string message) : Exception(message)
{
    public ExitCode Code { get; } = code;
}

/// <summary>A system call failed while the container was being set up.</summary>
public sealed class SetupException(string message) : HpcRunException(ExitCode.SetupFailed, message)
{
    public static SetupException FromErrno(string what)
    {
        int errno = Marshal.GetLastSystemError();
        return new SetupException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
