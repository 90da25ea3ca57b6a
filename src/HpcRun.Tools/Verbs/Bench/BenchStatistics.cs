using System.Text.Json.Serialization;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>Medians and quartiles of a benchmark's rounds.</summary>
internal static class BenchStatistics
{
    /// <summary>The <paramref name="q"/>-quantile (0 to 1) of <paramref name="values"/>, interpolated linearly
    /// between order statistics (Hyndman and Fan's type 7: R's and numpy's default, Excel's QUARTILE.INC):
    /// position q(n-1) in the sorted values.</summary>
    /// <exception cref="ArgumentException">No values, or q outside 0 to 1.</exception>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0) throw new ArgumentException("no values", nameof(values));
        if (q is < 0 or > 1) throw new ArgumentException($"quantile {q} is not between 0 and 1", nameof(q));
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    public static double Median(IEnumerable<double> values) => Quantile(values, 0.5);
}

/// <summary>What the rounds say about hpcrun against native, for one measure.</summary>
internal enum Verdict
{
    /// <summary>The paired ratios' interquartile range includes 1.0: the rounds cannot tell the two apart.</summary>
    [JsonStringEnumMemberName("within-noise")] WithinNoise,
    [JsonStringEnumMemberName("hpcrun-faster")] HpcrunFaster,
    [JsonStringEnumMemberName("hpcrun-slower")] HpcrunSlower,
}

/// <summary>One measure a benchmark reports: its name, unit, and which way is better.</summary>
internal sealed record Measure(string Name, string Unit, bool HigherIsBetter);

/// <summary>One row of `hpcrun bench`: the medians of the native and containerized rounds, and the median of the
/// paired ratios hpcrun / native (round by round, so that drift of the machine's load between rounds cancels)
/// with their interquartile range (<see cref="RatioLow"/> to <see cref="RatioHigh"/>).</summary>
internal sealed record Comparison(
    string Benchmark, string Measure, string Unit, bool HigherIsBetter, int Rounds,
    double Native, double Hpcrun, double Ratio, double RatioLow, double RatioHigh, Verdict Verdict)
{
    /// <summary>Compares rounds given in pairs: <paramref name="native"/>[i] and <paramref name="hpcrun"/>[i]
    /// were measured next to each other.</summary>
    /// <exception cref="ArgumentException">No rounds, lists of different lengths, or a value that is not
    /// positive (a ratio needs both).</exception>
    public static Comparison Of(string benchmark, Measure measure, IReadOnlyList<double> native,
        IReadOnlyList<double> hpcrun)
    {
        if (native.Count == 0 || native.Count != hpcrun.Count)
            throw new ArgumentException($"{native.Count} native rounds for {hpcrun.Count} with hpcrun");
        if (native.Concat(hpcrun).Any(v => !(v > 0) || double.IsInfinity(v)))
            throw new ArgumentException($"{benchmark} {measure.Name}: a round measured no positive value");
        double[] ratios = [.. native.Zip(hpcrun, (n, h) => h / n)];
        double low = BenchStatistics.Quantile(ratios, 0.25), high = BenchStatistics.Quantile(ratios, 0.75);
        Verdict verdict = low <= 1 && 1 <= high ? Verdict.WithinNoise
            : (low > 1) == measure.HigherIsBetter ? Verdict.HpcrunFaster : Verdict.HpcrunSlower;
        return new Comparison(benchmark, measure.Name, measure.Unit, measure.HigherIsBetter, native.Count,
            BenchStatistics.Median(native), BenchStatistics.Median(hpcrun), BenchStatistics.Median(ratios), low, high,
            verdict);
    }
}
