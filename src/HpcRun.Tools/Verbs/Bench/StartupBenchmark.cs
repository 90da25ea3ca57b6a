namespace HpcRun.Tools.Verbs.Bench;

/// <summary>Start-up: `/bin/true` natively against `hpcrun IMAGE /bin/true`. A round starts the side
/// <see cref="StartsPerRound"/> times and counts the median, so that one slow start does not make a round.</summary>
internal sealed class StartupBenchmark(BenchContext context) : Benchmark(context)
{
    public const int StartsPerRound = 10;
    private static readonly string[] Command = ["/bin/true"];

    public override string Name => "startup";

    public override IReadOnlyList<Measure> Measures { get; } =
        [new("start /bin/true", "ms", HigherIsBetter: false)];

    public override string? Prepare()
    {
        CommandRun native = Context.Commands.Run(Command);
        if (!native.Succeeded) return $"the host cannot run /bin/true: {native.Failure}";
        CommandRun inside = Context.Commands.Run(Context.Inside(Command));
        return inside.Succeeded ? null : $"the image cannot run /bin/true: {inside.Failure}";
    }

    public override double[] Round(Side side)
    {
        string[] argv = side == Side.Native ? Command : Context.Inside(Command);
        return [BenchStatistics.Median(
            Enumerable.Range(0, StartsPerRound).Select(_ => MustRun(argv).Elapsed.TotalMilliseconds))];
    }
}
