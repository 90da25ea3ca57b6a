using HpcRun.Image;

namespace HpcRun.Tools.Verbs.Bench;

internal enum Side { Native, Hpcrun }

/// <summary>What every benchmark needs: the image, the hpcrun binary the user ran, the command runner, the MPI
/// launcher (null when there is none, with <see cref="NoLauncher"/> saying why), a scratch directory on this
/// node and one every rank sees.</summary>
internal sealed record BenchContext(ImageSource Image, string Hpcrun, CommandRunner Commands,
    MpiLauncher? Launcher, string? NoLauncher, ScratchDirectory Local, ScratchDirectory Shared)
{
    /// <summary><paramref name="argv"/> run inside the image: `hpcrun IMAGE ARGV...`.</summary>
    public string[] Inside(params string[] argv) => [Hpcrun, Image.Path, .. argv];
}

/// <summary>A round failed after its benchmark had run on both sides: the bench stops (status 89).</summary>
internal sealed class RoundFailedException(string message) : Exception(message);

/// <summary>
/// One comparison `hpcrun bench` makes: <see cref="Prepare"/> checks that the host and the image both have
/// what it needs (running it once on each side, which also warms the page cache), then the runner calls
/// <see cref="Round"/> for each side in turn, alternating which goes first.
/// </summary>
internal abstract class Benchmark(BenchContext context) : IDisposable
{
    protected BenchContext Context { get; } = context;

    /// <summary>startup, read, mpi or hpcc (what --only names).</summary>
    public abstract string Name { get; }

    /// <summary>What <see cref="Round"/> returns a value for, in order; known after <see cref="Prepare"/>.</summary>
    public abstract IReadOnlyList<Measure> Measures { get; }

    /// <summary>Null when both sides ran it once, else why it cannot be compared here (one line).</summary>
    public abstract string? Prepare();

    /// <summary>One round on one side: a value per <see cref="Measures"/> entry.</summary>
    /// <exception cref="RoundFailedException">The side's command failed.</exception>
    public abstract double[] Round(Side side);

    public virtual void Dispose() { }

    /// <summary>Runs <paramref name="argv"/>; a failure ends the bench (status 89).</summary>
    protected CommandRun MustRun(IReadOnlyList<string> argv, string? directory = null)
    {
        CommandRun run = Context.Commands.Run(argv, directory);
        return run.Succeeded ? run : throw new RoundFailedException(run.Failure);
    }
}
