using System.Runtime.InteropServices;

namespace HpcRun;

/// <summary>A system call failed while the container was being set up.</summary>
public sealed class SetupException(string message) : HpcRunException(ExitCode.SetupFailed, message)
{
    /// <summary>The failure of the system call just made: <paramref name="what"/> and strerror(errno).</summary>
    public static SetupException FromErrno(string what)
    {
        int errno = Marshal.GetLastSystemError();
        return new SetupException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
