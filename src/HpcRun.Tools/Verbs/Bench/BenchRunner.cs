namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// Runs each benchmark's rounds interleaved: native and hpcrun take turns, and which goes first alternates from
/// one round to the next (native, hpcrun, hpcrun, native...), so that drift of the machine's load favours
/// neither; each round gives one paired ratio per measure.
/// </summary>
internal static class BenchRunner
{
    /// <exception cref="RoundFailedException">A round failed after both sides had run once (the message names
    /// the benchmark and the round).</exception>
    public static (List<Comparison> Rows, List<Skipped> Skipped) Run(IEnumerable<Benchmark> benchmarks, int rounds,
        TextWriter progress)
    {
        List<Comparison> rows = [];
        List<Skipped> skipped = [];
        foreach (Benchmark benchmark in benchmarks)
        {
            progress.WriteLine($"hpcrun: bench: {benchmark.Name}: checking both sides");
            if (benchmark.Prepare() is { } why)
            {
                progress.WriteLine($"hpcrun: bench: {benchmark.Name}: skipped: {why}");
                skipped.Add(new Skipped(benchmark.Name, why));
                continue;
            }
            progress.WriteLine($"hpcrun: bench: {benchmark.Name}: {rounds} rounds");
            var values = new Dictionary<Side, List<double[]>> { [Side.Native] = [], [Side.Hpcrun] = [] };
            for (int round = 0; round < rounds; round++)
            {
                Side[] order = round % 2 == 0 ? [Side.Native, Side.Hpcrun] : [Side.Hpcrun, Side.Native];
                foreach (Side side in order)
                {
                    try { values[side].Add(benchmark.Round(side)); }
                    catch (RoundFailedException e)
                    {
                        string which = side == Side.Native ? "native" : "hpcrun";
                        throw new RoundFailedException($"{benchmark.Name}, round {round + 1} ({which}): {e.Message}");
                    }
                }
            }
            rows.AddRange(benchmark.Measures.Select((measure, i) => Comparison.Of(benchmark.Name, measure,
                [.. values[Side.Native].Select(v => v[i])], [.. values[Side.Hpcrun].Select(v => v[i])])));
        }
        return (rows, skipped);
    }
}
