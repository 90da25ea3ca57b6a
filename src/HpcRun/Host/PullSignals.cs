using System.Runtime.InteropServices;
using HpcRun.Apply;
using HpcRun.Image.Posix;

namespace HpcRun.Host;

/// <summary>
/// SIGTERM (Slurm's time limit, scancel), SIGINT and SIGHUP while the launcher waits for the hpcrun-tools pull it
/// started (<see cref="RegistryImage"/>): .NET's default would end the launcher at once and leave the pull running,
/// to land its SIF in the cache for nobody. Instead each is passed to the pull, which stops as a signalled pull does
/// (its scratch directory removed, nothing in the cache), the launcher waits for it and then ends by the same signal
/// (<see cref="SignalDeath"/>: a shell reports 128+N). A launcher killed outright (SIGKILL) takes the pull along
/// through its death signal (HpcRun.Tools/ParentDeath.cs).
/// </summary>
internal sealed class PullSignals : IDisposable
{
    private readonly PosixSignalRegistration[] registrations;
    private int signal, pull;

    public PullSignals() => registrations =
    [
        Register(PosixSignal.SIGTERM, Signals.SIGTERM), Register(PosixSignal.SIGINT, Signals.SIGINT),
        Register(PosixSignal.SIGHUP, Signals.SIGHUP),
    ];

    /// <summary>The first of the signals that came (its number), or 0.</summary>
    public int Signal => Volatile.Read(ref signal);

    /// <summary>The pull now running: a signal that came before it started is passed to it now.</summary>
    public void Forward(int pid)
    {
        Volatile.Write(ref pull, pid);
        if (Signal is > 0 and var s) Signals.Send(pid, s); // may reach it twice, which a pull takes as once
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in registrations) registration.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal which, int number) =>
        PosixSignalRegistration.Create(which, context =>
        {
            context.Cancel = true; // the launcher ends once the pull has cleaned up
            Interlocked.CompareExchange(ref signal, number, 0);
            if (Volatile.Read(ref pull) is > 0 and var pid) Signals.Send(pid, number);
        });
}
