using System.Globalization;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// MPI ping-pong between two ranks (<see cref="MpiLauncher"/>): bench/mpi/pingpong.c, which hpcrun-tools carries,
/// built with the host's mpicc; the same program runs natively and inside the image, where it loads the
/// image's MPI library (or the host's, with --mpi=host in the site's configuration), so the image needs an MPI
/// of the host's ABI. It prints "latency_us X bandwidth_GBps Y": one-way latency of 8-byte messages and
/// bandwidth of 1 MiB ones. A round is one launch.
/// </summary>
internal sealed class PingPongBenchmark(BenchContext context) : Benchmark(context)
{
    private string program = "";

    public override string Name => "mpi";

    public override IReadOnlyList<Measure> Measures { get; } =
    [
        new("MPI ping-pong latency, 8 B", "us", HigherIsBetter: false),
        new("MPI ping-pong bandwidth, 1 MiB", "GB/s", HigherIsBetter: true),
    ];

    public override string? Prepare()
    {
        if (Context.Launcher is not { } launcher) return Context.NoLauncher;
        if (CommandRunner.OnPath("mpicc") is not { } mpicc)
            return "no mpicc on the PATH to build the ping-pong program (bench/mpi/pingpong.c)";
        string source = Path.Combine(Context.Shared.Path, "pingpong.c");
        program = Path.Combine(Context.Shared.Path, "pingpong");
        using (Stream embedded = typeof(PingPongBenchmark).Assembly.GetManifestResourceStream("pingpong.c")!)
        using (FileStream file = File.Create(source)) embedded.CopyTo(file);
        CommandRun build = Context.Commands.Run([mpicc, "-O2", "-o", program, source]);
        if (!build.Succeeded) return $"mpicc could not build the ping-pong program: {build.Failure}";
        if (Launch(Side.Native) is { Succeeded: false } native)
            return $"the ping-pong program does not run natively under {launcher.Description}: {native.Failure}";
        return Launch(Side.Hpcrun) is { Succeeded: false } inside
            ? $"the image cannot run the ping-pong program built with the host's mpicc: {inside.Failure}"
            : null;
    }

    public override double[] Round(Side side)
    {
        CommandRun run = Launch(side);
        if (!run.Succeeded) throw new RoundFailedException(run.Failure);
        string[] words = run.Output.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        int at = Array.IndexOf(words, "latency_us");
        if (at < 0 || at + 3 >= words.Length || words[at + 2] != "bandwidth_GBps"
            || !double.TryParse(words[at + 1], CultureInfo.InvariantCulture, out double latency)
            || !double.TryParse(words[at + 3], CultureInfo.InvariantCulture, out double bandwidth)
            || !(latency > 0 && bandwidth > 0))
            throw new RoundFailedException($"the ping-pong program printed no result: {run.Output.Trim()}");
        return [latency, bandwidth];
    }

    private CommandRun Launch(Side side) => Context.Commands.Run(
        Context.Launcher!.Launch(side == Side.Native ? [program] : Context.Inside(program)), Context.Shared.Path);
}
