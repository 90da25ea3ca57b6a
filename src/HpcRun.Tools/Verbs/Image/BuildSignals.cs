using System.Runtime.InteropServices;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>
/// SIGINT (Ctrl-C), SIGTERM (what Slurm sends at a time limit) and SIGHUP during `hpcrun build`. .NET's default
/// ends the process at once, leaving its scratch directory and a running mksquashfs; instead the build is
/// cancelled through <see cref="Token"/>, kills its child, removes what it wrote, and hpcrun then exits 128+N
/// (<see cref="Signal"/>), the status a shell gives a command that signal N ended.
/// </summary>
internal sealed class BuildSignals : IDisposable
{
    private readonly CancellationTokenSource cancel = new();
    private readonly PosixSignalRegistration[] registrations;
    private int signal;

    public BuildSignals() => registrations =
    [
        Register(PosixSignal.SIGINT, 2), Register(PosixSignal.SIGTERM, 15), Register(PosixSignal.SIGHUP, 1),
    ];

    public CancellationToken Token => cancel.Token;

    /// <summary>The first signal received (its number: 2, 15 or 1), or 0.</summary>
    public int Signal => Volatile.Read(ref signal);

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in registrations) registration.Dispose();
        cancel.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal which, int number) =>
        PosixSignalRegistration.Create(which, context =>
        {
            context.Cancel = true; // not .NET's default, which would end the process before the clean-up
            Interlocked.CompareExchange(ref signal, number, 0);
            cancel.Cancel();
        });
}
